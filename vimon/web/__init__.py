"""Web UI and JSON API (FastAPI)."""
