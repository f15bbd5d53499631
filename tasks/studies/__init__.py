"""Studies outside `dvc repro`: the economics of scratch against transfer (the four experiments,
their figures and the report), and architectures side by side.

Imports core/, train/ and evaluate/.
"""
