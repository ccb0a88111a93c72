"""Liveness and readiness."""

from __future__ import annotations

from litestar import get
from litestar.response import Response
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text

from dispatch.db.session import DbSession


@get("/health", tags=["health"], summary="Liveness: the process answers", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready", tags=["health"], summary="Readiness: the database answers")
async def ready(db_session: DbSession) -> Response[dict[str, str]]:
    try:
        await db_session.execute(text("SELECT 1"))
    except Exception as exc:
        return Response(
            {"status": "unavailable", "database": type(exc).__name__},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    return Response({"status": "ok", "database": "ok"})
