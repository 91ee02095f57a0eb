"""Developer commands: `python -m defcheck.dev gen-tables|gen-docs [--check]`."""
