"""`python -m bot` does what `python -m silta` does (operators' scripts and tests call it)."""

import runpy

# By name, not by import: bot is the core and must not import the wiring layer above it.
runpy.run_module("silta", run_name="__main__", alter_sys=True)
