"""The active-learning loop with an oracle in place of people: rounds, arms, learning curves.

Imports core/, train/, evaluate/ and mine/.
"""
