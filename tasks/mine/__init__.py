"""Which pool images teach the model most: uncertainty, backbone embeddings, pool scoring,
ranking and selection, the FiftyOne index, the relabel export, the mine reports, and labels
taken back.

Imports core/ and data/ (the label gate).
"""
