"""Persistence: the only package that speaks SQL."""

from storage.db import Database, migrate

__all__ = ["Database", "migrate"]
