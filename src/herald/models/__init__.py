"""ORM classes on one MetaData. Importing this package registers every table."""

from herald.models import (
    accounts,
    audience,
    campaigns,
    compliance,
    delivery,
    segments,
    tracking,
    transactional,
    work,
)
from herald.models.base import Base

metadata = Base.metadata

__all__ = [
    "Base",
    "accounts",
    "audience",
    "campaigns",
    "compliance",
    "delivery",
    "metadata",
    "segments",
    "tracking",
    "transactional",
    "work",
]
