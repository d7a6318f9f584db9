"""Collection: the sources registry now; connectors and the scheduler build on it."""
