"""Which pool images teach the model most: uncertainty, backbone embeddings, pool scoring,
selection strategies (uncertainty, k-center diversity, hybrid, cold start) and ranking, the
FiftyOne index, the relabel export with the label audit's share of it, the mine reports, and
labels taken back.

Imports core/, data/ (the label gate), audit/ (its report, read into the index and the batch)
and ops/ (the FiftyOne connection).
"""
