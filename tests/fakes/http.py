"""A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port) in a background thread.

``LoopbackHttpServer`` is the base the HTTP fakes build on: a subclass implements ``handle``.
``HttpRecorder`` is the simplest one: it records every request and answers a configurable status,
which makes it a target for webhooks and status callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One request as the server received it."""

    method: str
    path: str
    """The path without the query string."""
    query: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    received_at: datetime

    @property
    def target(self) -> str:
        """Path and query, as in the request line."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded`` (last value wins)."""
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass(slots=True)
class HttpResponse:
    """What the server answers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> HttpResponse:
        """A JSON answer."""
        return cls(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128  # the default of 5 makes a burst of connections wait a second

    def __init__(self, owner: LoopbackHttpServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 30

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's name
        """Stay quiet: test output is not the place for request logs."""

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = HttpRequest(
            method=self.command,
            path=url.path,
            query=url.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            received_at=datetime.now(UTC),
        )
        try:
            response = self.server.owner.handle(request)
        except Exception as exc:
            response = HttpResponse(500, f"fake server error: {exc!r}".encode())
        if self.server.owner.stopping.is_set():
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


class LoopbackHttpServer:
    """Base class: a threaded HTTP server on loopback; subclasses implement ``handle``."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        """Set while stopping; a handler that sleeps should wait on it instead."""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Answer one request (called in the server's worker threads)."""
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``; only while running."""
        if self._server is None:
            raise RuntimeError("the server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return self.base_url + path

    def start(self) -> Self:
        """Bind an ephemeral port and serve in a background thread."""
        if self._server is not None:
            raise RuntimeError("already running")
        self.stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop open connections; the port is released."""
        if self._server is None:
            return
        self.stopping.set()
        self._server.shutdown()
        with self._server.connections_lock:
            connections = list(self._server.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def wait_until(predicate: Callable[[], object], *, timeout: float = 5.0) -> bool:
    """Block until ``predicate()`` is true; false when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


async def eventually(predicate: Callable[[], object], *, within: float = 5.0) -> bool:
    """Like ``wait_until``, but lets the event loop run while waiting ``within`` seconds."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)
    return True


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request an ``HttpRecorder`` received, with the status it answered."""

    request: HttpRequest
    response: HttpResponse

    @property
    def status(self) -> int:
        """The status the recorder answered."""
        return self.response.status


class HttpRecorder(LoopbackHttpServer):
    """Records every request per path and answers ``status_for[path]`` (else ``default_status``)."""

    def __init__(self, default_status: int = 200) -> None:
        super().__init__()
        self.default_status = default_status
        self.status_for: dict[str, int] = {}
        """Per-path status, e.g. ``{"/hooks/gone": 404}``."""
        self.retry_after: str | None = "1"
        """``Retry-After`` sent with 429 and 503 answers; ``None`` for none."""
        self._lock = threading.Lock()
        self._recorded: list[RecordedRequest] = []
        self._fail_next: list[int] = []

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next ``count`` requests (any path) with ``status``."""
        with self._lock:
            self._fail_next.extend([status] * count)

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Record the request and answer the configured status."""
        with self._lock:
            if self._fail_next:
                status = self._fail_next.pop(0)
            else:
                status = self.status_for.get(request.path, self.default_status)
            response = self.respond(request, status)
            self._recorded.append(RecordedRequest(request, response))
        return response

    def respond(self, request: HttpRequest, status: int) -> HttpResponse:
        """The answer for a recorded request; subclasses add headers or a body."""
        headers = {}
        if status in (429, 503) and self.retry_after is not None:
            headers["Retry-After"] = self.retry_after
        return HttpResponse(status, b"", headers)

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """What was received, oldest first; only for ``path`` when given."""
        with self._lock:
            return [r for r in self._recorded if path is None or r.request.path == path]

    def accepted(self, path: str | None = None) -> list[HttpRequest]:
        """The requests answered with a 2xx status."""
        return [r.request for r in self.requests(path) if 200 <= r.status < 300]

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.requests())

    def wait_for(self, count: int, *, path: str | None = None, timeout: float = 5.0) -> bool:
        """Block until at least ``count`` requests (for ``path``) arrived, or ``timeout`` passes."""
        return wait_until(lambda: len(self.requests(path)) >= count, timeout=timeout)
