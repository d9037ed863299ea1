"""jingzhun (精准): targeted poverty monitoring."""

__version__ = "0.1.0"
