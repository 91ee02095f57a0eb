"""Shared helpers for the formatter tests."""

from __future__ import annotations
