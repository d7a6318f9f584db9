"""vimon — giám sát thông tin trên không gian mạng tiếng Việt (Vietnamese information-space monitor)."""

__version__ = "0.1.0"
