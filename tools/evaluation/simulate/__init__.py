"""Simulated customers: YAML conversations played through the running product, each turn
judged by facts resolved from the store at run time, never by the bot's wording.

`python -m tools.evaluation.simulate --start-stack` plays the suite in simulations/ on a
freshly seeded store and reports the resolution rate by category (simulations/README.md).
"""
