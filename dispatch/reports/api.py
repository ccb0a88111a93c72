"""``GET /api/v1/incidents/{id}/report?format=json|csv|xlsx|html``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter
from litestar.response import File, Stream

from dispatch.db.session import DbSession, sessionmaker_from
from dispatch.errors import InvalidInputError
from dispatch.reports import formats, workbook
from dispatch.reports.schemas import Report
from dispatch.reports.service import build, get_incident
from dispatch.requests import AuthedRequest
from dispatch.security.guards import PERSONAL_ROLES, READ
from translations.strings.marking import N_
from translations.text import Text

FORMATS = ("json", "csv", "xlsx", "html")
LANGUAGES = ("nb", "nn", "en")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _OwnMediaType:
    """Litestar 2 lets the handler's media type (JSON here) win over a Stream's or File's own,
    contrary to its docstring; these responses keep theirs."""

    media_type: Any

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["media_type"] = self.media_type
        return super().to_asgi_response(*args, **kwargs)  # type: ignore[misc]


class _Stream(_OwnMediaType, Stream):
    pass


class _File(_OwnMediaType, File):
    pass


class ReportController(Controller):
    path = "/incidents/{incident_id:int}/report"
    tags = ("reports",)

    @get(
        "/",
        guards=[READ],
        summary="The post-incident report: reach, acknowledgements, fallbacks, silence",
        description=(
            "`format=json` (default), `csv` (one row per delivery, streamed), `xlsx` (a summary "
            "sheet and a deliveries sheet) or `html` (printable, A4). Names and addresses only "
            "for coordinators; a viewer's report has counts. `lang=nb|nn|en` for the headings."
        ),
    )
    async def report(
        self,
        request: AuthedRequest,
        db_session: DbSession,
        incident_id: FromPath[int],
        format: Annotated[str, QueryParameter(name="format")] = "json",
        lang: Annotated[str, QueryParameter(name="lang")] = "nb",
    ) -> Any:
        errors: list[str] = []
        if format not in FORMATS:
            errors.append(
                Text(
                    N_("format '%(value)s' must be one of: %(allowed)s"),
                    field="format",
                    value=format,
                    allowed=", ".join(FORMATS),
                )
            )
        if lang not in LANGUAGES:
            errors.append(
                Text(
                    N_("lang '%(value)s' must be one of: %(allowed)s"),
                    field="lang",
                    value=lang,
                    allowed=", ".join(LANGUAGES),
                )
            )
        if errors:
            raise InvalidInputError.from_errors(errors)
        personal = request.user.role in PERSONAL_ROLES
        return await respond(
            request, db_session, incident_id, format=format, lang=lang, personal=personal
        )


async def respond(
    request: Request[Any, Any, State],
    db_session: DbSession,
    incident_id: int,
    *,
    format: str,
    lang: str,
    personal: bool,
    download: bool = False,
) -> Any:
    """The report in ``format``; ``download`` makes even HTML and JSON a file to save."""
    incident = await get_incident(db_session, incident_id)
    name = f"report-{incident.code}"
    if format == "csv":
        # The request's session closes when the handler returns; the stream opens its own.
        await db_session.close()
        return _Stream(
            formats.csv_chunks(
                sessionmaker_from(request.app.state), incident_id, personal=personal
            ),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        path = await workbook.xlsx_file(db_session, incident_id, personal=personal, lang=lang)
        return _File(
            path=path,
            filename=f"{name}.xlsx",
            media_type=XLSX,
            background=BackgroundTask(_remove, path),
        )
    report: Report = await build(db_session, incident_id, personal=personal)
    headers = {"Content-Disposition": f'attachment; filename="{name}.{format}"'} if download else {}
    if format == "html":
        return Response(formats.html(report, lang=lang), media_type="text/html", headers=headers)
    return Response(report, headers=headers) if download else report


async def _remove(path: Path) -> None:
    os.unlink(path)
