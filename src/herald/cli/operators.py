"""``herald operator password`` and ``herald operator reset-two-step``: recovering a console
login from the command line (forgotten password, lost authenticator). Both end every console
session of the operator."""

from __future__ import annotations

from typing import Annotated

import typer

from herald.accounts import sessions, totp
from herald.accounts.service import get_operator_by_email, set_password
from herald.kit.db import transaction
from herald.runtime import Runtime


def register(operator_app: typer.Typer) -> None:
    from herald.cli.main import _run

    @operator_app.command("password")
    def operator_password(
        email: Annotated[str, typer.Option(help="Operator email.")],
        password: Annotated[str, typer.Option(help="New password (at least 10 characters).")],
    ) -> None:
        """Set a new console password; the operator's sessions end."""

        async def main(rt: Runtime) -> str:
            async with transaction(rt.sessions) as session:
                op = await get_operator_by_email(session, email)
                await set_password(session, op, password)
                return op.email

        typer.echo(f"password of {_run(main)} changed; their console sessions have ended")

    @operator_app.command("reset-two-step")
    def operator_reset_two_step(
        email: Annotated[str, typer.Option(help="Operator email.")],
    ) -> None:
        """Turn off two-step sign-in (a lost authenticator); the operator's sessions end."""

        async def main(rt: Runtime) -> str:
            async with transaction(rt.sessions) as session:
                op = await get_operator_by_email(session, email)
                await totp.disable(session, op)
                await sessions.revoke_all(session, op.id)
                return op.email

        typer.echo(
            f"two-step sign-in of {_run(main)} turned off; their console sessions have ended"
        )
