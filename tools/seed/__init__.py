"""Demo and test data: the demo store, a synthetic KPI history, throw-away databases."""
