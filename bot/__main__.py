"""`python -m bot` does what the `silta` console script does."""

from bot.cli import main

raise SystemExit(main())
