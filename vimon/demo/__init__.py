"""The demo corpus (written by the vimon team) and the demo runner."""
