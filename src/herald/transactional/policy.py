"""Who may receive a transactional message: the shared suppression list, then opt-outs.

- Mandatory categories are blocked only by entries for all mail (hard bounce, soft-bounce
  limit, erasure, an operator's block); a complaint does not stop them.
- Optional categories are also blocked by marketing-only entries (a complaint, an operator's
  marketing block) and by the recipient's opt-out of the category in the preference centre.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from herald.compliance import suppression
from herald.transactional.notifications import Status
from herald.transactional.optouts import is_opted_out


@dataclass(frozen=True, slots=True)
class Skip:
    status: Status
    reason: str


async def check(
    session: AsyncSession, address: str, tenant_id: int | None, category: str, *, mandatory: bool
) -> Skip | None:
    """Why the message must not go out (None: send it)."""
    reason = await suppression.blocking_reason(
        session,
        address,
        tenant_id=tenant_id,
        stream="transactional" if mandatory else "marketing",
    )
    if reason is not None:
        return Skip(Status.SKIPPED_SUPPRESSED, reason)
    if not mandatory and await is_opted_out(session, address, tenant_id, category):
        return Skip(Status.SKIPPED_OPTED_OUT, "opted_out")
    return None
