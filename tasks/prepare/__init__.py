"""The prepared dataset: merging imported sets by class name, the built-in generator, the label
rounds taken back from labellers, and the prepare stage's summary.

Imports core/ and data/.
"""
