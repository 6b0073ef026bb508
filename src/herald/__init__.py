"""Herald: a self-hosted, multi-tenant newsletter and marketing-email engine."""

__version__ = "0.1.0"
