"""The acting principal and the tenant scope every repository query is filtered by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, true

from herald.kit.errors import PermissionDenied

ROLES = ("sys", "tenant_admin")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts. ``tenant_id`` is the tenant a tenant admin is bound to (None for sys)."""

    kind: str  # operator | subscriber | system | api_token
    id: str | None = None
    role: str | None = None
    tenant_id: int | None = None
    email: str | None = None
    # Console sessions only: the session, and when its operator last re-entered the password.
    session_id: int | None = None
    fresh_auth_at: datetime | None = None

    @property
    def via_console(self) -> bool:
        """Acting through a console session (a browser), as opposed to an API token."""
        return self.session_id is not None

    @property
    def is_sys(self) -> bool:
        return self.kind == "system" or self.role == "sys"

    def scope(self) -> Scope:
        if self.is_sys:
            return Scope.everything()
        if self.tenant_id is None:
            raise PermissionDenied("no tenant context")
        return Scope.tenant(self.tenant_id)

    def require_sys(self) -> None:
        if not self.is_sys:
            raise PermissionDenied("platform operators only")


SYSTEM = Actor(kind="system", id="herald")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which tenants' rows are visible. ``all_tenants`` is the platform operator's view."""

    all_tenants: bool
    tenant_id: int | None

    @classmethod
    def everything(cls) -> Scope:
        return cls(all_tenants=True, tenant_id=None)

    @classmethod
    def tenant(cls, tenant_id: int) -> Scope:
        return cls(all_tenants=False, tenant_id=tenant_id)

    def clause(self, column: Any) -> ColumnElement[bool]:
        """A WHERE clause restricting ``column`` (a tenant_id column) to this scope."""
        if self.all_tenants:
            return true()
        if self.tenant_id is None:
            return false()
        result: ColumnElement[bool] = column == self.tenant_id
        return result

    def allows(self, tenant_id: int | None) -> bool:
        return self.all_tenants or (tenant_id is not None and tenant_id == self.tenant_id)
