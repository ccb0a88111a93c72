"""Bearer-token authentication for ``/api/v1`` and the role guards on its routes.

401 means "we do not know who you are" (no, unknown, expired or revoked token); 403 means
"we know you, and your role may not do this".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from dispatch.db.session import sessionmaker_from
from dispatch.security.models import Role
from dispatch.security.service import Principal, authenticate_token

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="dispatch"'}


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    """Resolves ``Authorization: Bearer …`` to a ``Principal`` in ``request.user``."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException(
                "This needs an API token: send 'Authorization: Bearer <token>'. "
                "An admin creates one with 'dispatch token create'",
                headers=_CHALLENGE,
            )
        async with sessionmaker_from(connection.app.state)() as session:
            principal = await authenticate_token(session, token.strip())
        if principal is None:
            raise NotAuthorizedException(
                "The API token is unknown, expired or revoked", headers=_CHALLENGE
            )
        return AuthenticationResult(user=principal, auth=None)


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


@dataclass(frozen=True, slots=True)
class RoleGuard:
    """A guard that admits the roles in ``allowed``; tests read ``allowed`` to build the
    matrix of every route against every role."""

    allowed: frozenset[Role]

    def __call__(self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = connection.user
        if not isinstance(principal, Principal):
            raise NotAuthorizedException("This needs an API token", headers=_CHALLENGE)
        if principal.role not in self.allowed:
            names = " or ".join(sorted(r.value for r in self.allowed))
            raise PermissionDeniedException(
                f"Your role '{principal.role.value}' may not do this; it needs {names}"
            )


def requires(*roles: Role) -> RoleGuard:
    """A guard that admits the given roles; admin is always admitted."""
    return RoleGuard(frozenset({Role.ADMIN, *roles}))


# Rights by role, named for what they protect.
PERSONAL_ROLES = (Role.COORDINATOR, Role.ADMIN)
"""Roles that see names, addresses and numbers where others see counts."""

READ = requires(Role.COORDINATOR, Role.TRANSLATOR, Role.VIEWER)
READ_PERSONAL = requires(Role.COORDINATOR)
WRITE_DIRECTORY = requires(Role.COORDINATOR)
WRITE_INCIDENTS = requires(Role.COORDINATOR)
WRITE_PACK_CONTENT = requires(Role.COORDINATOR, Role.TRANSLATOR)
ADMIN_ONLY = requires()
