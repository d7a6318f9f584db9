"""Storage: one small interface over SQLite (embedded default) and PostgreSQL."""

from vimon.store.base import Store, open_store

__all__ = ["Store", "open_store"]
