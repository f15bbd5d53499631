"""Studies outside `dvc repro`: the economics of scratch against transfer, and architectures
side by side.

Imports core/, train/ and evaluate/.
"""
