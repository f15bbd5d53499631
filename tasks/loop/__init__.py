"""The active-learning loop with an oracle in place of people: rounds, arms (strategies), repeats, and the
statistics of their learning curves; and the loop page (reports/loop), the loop's history on one page.

Imports core/, train/, evaluate/, mine/ and ops/ (MLflow, whose runs and registry the loop page shows).
"""
