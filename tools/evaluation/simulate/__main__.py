"""`python -m tools.evaluation.simulate`: see cli.py."""

from tools.evaluation.simulate.cli import main

raise SystemExit(main())
