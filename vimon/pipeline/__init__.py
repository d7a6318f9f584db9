"""The pipeline: stage registry, stages, runners and the ingest service."""
