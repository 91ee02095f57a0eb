"""defcheck."""
