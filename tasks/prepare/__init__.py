"""The prepared dataset: merging imported sets by class name, the built-in generator, and the
label rounds taken back from labellers.

Imports core/ and data/.
"""
