"""`python -m defcheck` runs the `defcheck` command."""

from __future__ import annotations

from defcheck.cli import main

raise SystemExit(main())
