"""A lean HTTP/1.1 load generator for the benchmarks.

httpx spends about a millisecond of CPU on each request, which on a 2-core machine takes CPU
from the server it measures. This client writes prepared request bytes on keep-alive
connections and reads just the status line and ``Content-Length``: tens of microseconds per
request. Its figures for ``GET /health`` are the raw baseline the endpoints are compared with.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass(frozen=True, slots=True)
class Load:
    """What a run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds


def request(method: str, url: str, form: dict[str, str] | None = None, **headers: str) -> bytes:
    """The bytes of one HTTP/1.1 request (a form body when ``form`` is given)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server keeps the connection open); the body is read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, chunked, keep = 0, False, True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and value.strip().lower() == "close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


async def drive(host: str, port: int, requests: list[bytes], *, connections: int = 32) -> Load:
    """Send every request once, ``connections`` at a time on keep-alive connections."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    pending = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for raw in pending:
                started = time.perf_counter()
                writer.write(raw)
                status, keep = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if not keep:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    seconds = time.perf_counter() - started
    latencies.sort()
    return Load(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        statuses=statuses,
    )


def run(url: str, requests: list[bytes], *, connections: int = 32) -> Load:
    """``drive`` on a fresh event loop (uvloop, as the server uses)."""
    import uvloop

    parts = urlsplit(url)
    return uvloop.run(
        drive(parts.hostname or "", parts.port or 80, requests, connections=connections)
    )
