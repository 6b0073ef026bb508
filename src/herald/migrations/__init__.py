"""Alembic migrations shipped inside the package, applied by ``herald db upgrade``."""
