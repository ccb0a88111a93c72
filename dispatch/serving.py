"""Starting the server: the banner, the port and database checks of ``make run``, the
sign-in line once the port answers, and a clean exit on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TextIO

import click
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels import mail_server
from dispatch import wiring
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.migrate import upgrade
from dispatch.delivery.ports import Enqueuer
from dispatch.security import throttle
from dispatch.settings import Settings

WORKER_HEALTHCHECK_S = 60
"""How long an API process may take to answer uvicorn's supervisor (and a new one to start)."""

log = structlog.get_logger("dispatch.serving")


def serve(settings: Settings, host: str, port: int, *, when_ready: str = "") -> None:
    """Serve until stopped; ``when_ready`` is printed once the port answers, after start-up."""
    import uvicorn

    if settings.is_sqlite:
        upgrade(settings.database_url)
    url = f"http://{host}:{port}"
    click.echo(
        f"\nBeredskapsvarsling is starting on {url}\n"
        f"  Dashboard:          {url}/ (sign in: dispatch demo or dispatch user create)\n"
        f"  API documentation:  {url}/schema\n"
        f"  Health:             {url}/health\n"
        f"  Database:           {safe_url(settings.database_url)}\n"
        f"  Broker:             {safe_url(settings.broker_url)}\n"
        "  Get an API token:   .venv/bin/dispatch token create --role coordinator --name me\n"
        "  Then:               curl -H 'Authorization: Bearer <token>' "
        f"{url}/api/v1/networks\n",
        err=True,
    )
    # On SIGTERM uvicorn refuses new connections at once, lets the requests in flight finish,
    # then raises the signal again for the handler it found. Without one the process would die
    # of that signal after a clean drain (-15; 143 to a container runtime): exit 0 instead.
    signal.signal(signal.SIGTERM, exit_cleanly)
    # X-Forwarded-For is believed only from DISPATCH_TRUSTED_PROXIES (default: from no one), so
    # behind the Ingress each member is counted by their own address, and no one else can claim
    # an address by sending the header.
    proxies = settings.trusted_proxy_list()
    if when_ready:
        threading.Thread(target=announce, args=(host, port, when_ready), daemon=True).start()
    uvicorn.run(
        "dispatch.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
        workers=settings.api_processes,
        # uvicorn's supervisor replaces a process that does not answer its ping within this
        # time, and a replacement must answer within it too, import and start-up included. Its
        # default of 5 s killed a busy process under load, and each replacement in turn before
        # it had finished importing on two busy cores: one process short for good.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )


def announce(host: str, port: int, text: str) -> None:
    """Print ``text`` once the server accepts connections: the last thing start-up prints."""
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    click.echo(text)


def port_free(host: str, port: int) -> None:
    """Refuse to start when another process serves on ``port`` (a second ``make run``)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(
                f"Port {port} on {host} is in use (is another 'make run' serving?). Nothing was "
                f"changed. Stop it, or use another port: PORT={port + 1} make run"
            ) from exc


def lock_database(settings: Settings) -> TextIO | None:
    """Hold a lock on the SQLite database for as long as this process runs; refuse when another
    process holds it. PostgreSQL serves many processes and needs none."""
    if not settings.is_sqlite:
        return None
    import fcntl

    from sqlalchemy.engine import make_url

    database = make_url(settings.database_url).database or ""
    if not database or database == ":memory:":
        return None
    path = Path(database).with_name(Path(database).name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        raise click.ClickException(
            f"Another dispatch process is using {database} (it holds {path}). Nothing was "
            "changed. Stop it first, or point DISPATCH_DATABASE_URL at another file."
        ) from exc
    return handle


def exit_cleanly(signum: int, frame: FrameType | None) -> None:
    """Exit 0: a SIGTERM before uvicorn has started, or after it has drained."""
    sys.exit(0)


def safe_url(url: str) -> str:
    """The URL with its password as ``***`` (``embedded`` as it is)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


async def start_mail_in(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    enqueuer: Enqueuer,
    *,
    host: str,
    port: int,
) -> tuple[asyncio.Server, throttle.Counter]:
    """The inbound mail server in the running event loop: our addresses only, messages up to
    ``DISPATCH_MAIL_IN_MAX_BYTES``, ``DISPATCH_MAIL_IN_MESSAGES_PER_MINUTE`` per client address
    (counted in Redis with a Redis broker, so every mail-in process shares the count)."""
    counter = throttle.build_counter(settings)
    secret = settings.secret_key.encode()
    limit = settings.mail_in_messages_per_minute

    async def allow(client: str) -> bool:
        key = f"mailin:{throttle.client_ref(secret, client)}"
        return await counter.hit(key, 60) <= limit

    tls = None
    if settings.mail_in_tls_cert:
        tls = mail_server.tls_context(settings.mail_in_tls_cert, settings.mail_in_tls_key)
    server = await mail_server.start(
        wiring.mail_in(settings, sessionmaker, enqueuer),
        host=host,
        port=port,
        hostname=settings.inbound_mail_domain,
        max_bytes=settings.mail_in_max_bytes,
        allow=allow,
        tls=tls,
    )
    log.info("mail_in_listening", host=host, port=port, starttls=tls is not None)
    return server, counter


def run_mail_in(settings: Settings, enqueuer: Enqueuer, host: str, port: int) -> None:
    """``dispatch mail-in``: serve until SIGTERM or SIGINT, then finish the messages in hand."""

    async def main() -> None:
        engine = create_engine(settings.database_url, pool_size=5)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        server, counter = await start_mail_in(
            settings, create_sessionmaker(engine), enqueuer, host=host, port=port
        )
        click.echo(
            f"dispatch mail-in: SMTP for @{settings.inbound_mail_domain} on {host}:{port}",
            err=True,
        )
        try:
            await stop.wait()
        finally:
            server.close()
            await server.wait_closed()
            await counter.close()
            await engine.dispose()

    asyncio.run(main())
