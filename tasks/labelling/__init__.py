"""Labelling tools a relabel batch goes out to and comes back from: Label Studio (push, pull), CVAT checks.

Imports core/ and mine/ (the batch files, the labels import). No stage imports it: it runs
from `yoloop labels push/pull`, between `mine` and the next `prepare`.
"""
