"""ORM classes on one MetaData. Importing this package registers every table."""

from herald.models import accounts, audience, compliance, delivery, segments, tracking, work
from herald.models.base import Base

metadata = Base.metadata

__all__ = [
    "Base",
    "accounts",
    "audience",
    "compliance",
    "delivery",
    "metadata",
    "segments",
    "tracking",
    "work",
]
