"""Measure the NLU pipeline on our own data: stratified k-fold cross-validation.

The pieces are kept apart so a benchmark can reuse them: `folds` splits data,
`runner.evaluate_split` trains on one split and parses the other, `metrics` and
`summary` turn predictions into numbers, `report` writes them down.
"""
