"""Optional TOTP (RFC 6238) second factor for console sign-in.

The secret is stored encrypted under the instance key (``SecretBox``). A code is accepted for
the current 30-second step or one step either side (clock drift), and each step only once:
``operators.totp_last_step`` remembers the last accepted step, so a code seen over a shoulder
or replayed from a log is refused.
"""

from __future__ import annotations

import hmac

import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from herald.kit import clock
from herald.kit.crypto import SecretBox
from herald.kit.errors import Conflict, Unauthenticated, ValidationFailed
from herald.models.accounts import Operator

ISSUER = "Herald"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def current_step() -> int:
    return int(clock.now().timestamp()) // STEP_SECONDS


def code_for(secret: str, step: int) -> str:
    return str(pyotp.TOTP(secret).generate_otp(step))


def matching_step(secret: str, code: str) -> int | None:
    """The time step ``code`` belongs to (within the drift window), or None."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    now = current_step()
    found: int | None = None
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(code_for(secret, step), code):
            found = step
    return found


def _check_secret(secret: str) -> str:
    secret = (secret or "").strip().upper()
    try:
        pyotp.TOTP(secret).now()
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("not a TOTP secret", field="secret") from exc
    if len(secret) < 16:
        raise ValidationFailed("not a TOTP secret", field="secret")
    return secret


async def verify(session: AsyncSession, operator: Operator, box: SecretBox, code: str) -> None:
    """Accept ``code`` once, or raise :class:`Unauthenticated`."""
    if not operator.totp_secret_enc:
        raise Unauthenticated("two-step sign-in is not set up for this account")
    secret = box.decrypt(operator.totp_secret_enc).decode()
    step = matching_step(secret, code)
    if step is None or (operator.totp_last_step is not None and step <= operator.totp_last_step):
        raise Unauthenticated("that code is not right, or was already used")
    operator.totp_last_step = step
    await session.flush()


async def enable(
    session: AsyncSession, operator: Operator, box: SecretBox, secret: str, code: str
) -> None:
    """Turn TOTP on with a secret the operator's authenticator app has just shown ``code`` for."""
    if operator.totp_secret_enc:
        raise Conflict("two-step sign-in is already on; turn it off first")
    secret = _check_secret(secret)
    step = matching_step(secret, code)
    if step is None:
        raise ValidationFailed("that code does not match; check the app's clock", field="code")
    operator.totp_secret_enc = box.encrypt(secret.encode())
    operator.totp_last_step = step
    await session.flush()


async def disable(session: AsyncSession, operator: Operator) -> None:
    operator.totp_secret_enc = None
    operator.totp_last_step = None
    await session.flush()
