"""A stand-in for Teams Workflows webhooks: an HTTP server on loopback recording JSON posts.

Every path is a webhook. It answers 202 like Workflows does, or the status set for the path.

Use as a fixture::

    @pytest.fixture
    def teams_receiver() -> Iterator[TeamsReceiver]:
        with TeamsReceiver() as receiver:
            yield receiver

    webhook = teams_receiver.url("/workflows/nik")
    teams_receiver.status_for["/workflows/removed"] = 404
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.fakes.http import HttpRecorder, HttpRequest, HttpResponse


class TeamsReceiver(HttpRecorder):
    """Records posts per path; ``status_for[path]`` / ``fail_next`` choose other answers."""

    def __init__(self, default_status: int = 202) -> None:
        super().__init__(default_status)

    def respond(self, request: HttpRequest, status: int) -> HttpResponse:
        """Workflows' answer: an empty body, with a request id on success."""
        response = super().respond(request, status)
        if 200 <= status < 300:
            response.headers["x-ms-request-id"] = str(uuid.uuid4())
        return response

    def payloads(self, path: str | None = None) -> list[Any]:
        """The JSON bodies of the posts that were accepted (2xx), oldest first."""
        return [request.json() for request in self.accepted(path)]

    def cards(self, path: str | None = None) -> list[dict[str, Any]]:
        """The Adaptive Cards inside the accepted posts."""
        return [
            attachment["content"]
            for payload in self.payloads(path)
            for attachment in payload.get("attachments", [])
        ]
