"""`python -m bot.evaluation.simulate`: see cli.py."""

from bot.evaluation.simulate.cli import main

raise SystemExit(main())
