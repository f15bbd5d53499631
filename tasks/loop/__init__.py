"""The active-learning loop with an oracle in place of people: rounds, arms (strategies), repeats, and the
statistics of their learning curves.

Imports core/, train/, evaluate/ and mine/.
"""
