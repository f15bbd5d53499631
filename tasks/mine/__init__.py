"""Which pool images teach the model most: uncertainty, backbone embeddings, pool scoring,
selection strategies (uncertainty, k-center diversity, hybrid, cold start), the FiftyOne index,
the relabel export, and labels taken back.

Imports core/, data/ (the label gate) and evaluate/ (none yet).
"""
