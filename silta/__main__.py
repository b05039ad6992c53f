"""`python -m silta` does what the `silta` console script does."""

from silta.cli import main

raise SystemExit(main())
