"""Connectors: one module per kind of source, behind ``collect(ctx: RunContext)``."""
