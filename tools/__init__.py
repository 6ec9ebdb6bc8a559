"""Tooling beside the product: the `cim` command and its process supervisor, seeds,
benchmarks, evaluation and the simulations.

Runtime code (`bot/`, `actions/`) never imports it; `make lint` enforces that with
import-linter (see `.importlinter`).
"""
