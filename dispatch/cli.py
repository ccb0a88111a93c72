"""The ``dispatch`` command: serve, migrate, create tokens and users, import, load demo data."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch import logging as app_logging
from dispatch import serving
from dispatch.audit.service import CLI
from dispatch.db.engine import create_engine, create_sessionmaker
from dispatch.db.migrate import upgrade
from dispatch.errors import DomainError
from dispatch.security.models import Role
from dispatch.settings import Settings, SettingsError, get_settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction; a domain error becomes a clean message and exit code 1."""
    settings = _settings()

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc


@click.group()
def main() -> None:
    """Beredskapsvarsling: emergency alerts for the NIK, NONEMI and NIFS networks."""
    settings = _settings()
    app_logging.configure(level=settings.log_level, json=settings.log_json)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the API and web pages (and, on the embedded broker, the workers)."""
    serving.serve(_settings(), host, port)


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def run_demo(host: str, port: int) -> None:
    """The Quick start (make run): check the port and lock the database first, then load the
    demo, give the demo coordinator a new password and serve; the sign-in line comes last."""
    serving.port_free(host, port)
    if "DISPATCH_BASE_URL" not in os.environ:
        # Links in messages and the sign-in line follow the port chosen.
        os.environ["DISPATCH_BASE_URL"] = f"http://{host}:{port}"
        get_settings.cache_clear()
    settings = _settings()
    lock = serving.lock_database(settings)
    line = _load_demo(settings)
    try:
        serving.serve(settings, host, port, when_ready=line)
    finally:
        if lock is not None:
            lock.close()


@main.command()
@click.option("--processes", default=2, show_default=True, type=int, help="Worker processes")
@click.option(
    "--threads", default=None, type=int, help="Threads per process [DISPATCH_WORKER_THREADS]"
)
def worker(processes: int, threads: int | None) -> None:
    """Run Dramatiq workers against DISPATCH_BROKER_URL (Redis)."""
    from workers.cli import run_worker

    settings = _settings()
    if settings.embedded_broker:
        raise click.ClickException(
            "DISPATCH_BROKER_URL is 'embedded': the workers run inside 'dispatch serve'. "
            "Set DISPATCH_BROKER_URL=redis://… to run separate worker processes."
        )
    sys.exit(run_worker(processes=processes, threads=threads or settings.worker_threads))


@main.command("mail-in")
@click.option("--host", default=None, help="Address to listen on [DISPATCH_MAIL_IN_HOST]")
@click.option("--port", default=None, type=int, help="Port to listen on [DISPATCH_MAIL_IN_PORT]")
def mail_in(host: str | None, port: int | None) -> None:
    """Run the SMTP server the inbound mail domain's MX points at (bounces and replies)."""
    from workers.broker import DramatiqEnqueuer, build_broker

    settings = _settings()
    if not settings.inbound_mail_domain:
        raise click.ClickException(
            "DISPATCH_INBOUND_MAIL_DOMAIN is not set: there is no domain to receive mail for "
            "(e-mail goes out without return addresses). Set it to the domain whose MX points here."
        )
    if settings.embedded_broker:
        raise click.ClickException(
            "DISPATCH_BROKER_URL is 'embedded': mail-in runs inside 'dispatch serve' (on "
            "DISPATCH_MAIL_IN_HOST and DISPATCH_MAIL_IN_PORT). Set DISPATCH_BROKER_URL=redis://… "
            "to run it as a process of its own."
        )
    enqueuer = DramatiqEnqueuer(build_broker(settings.broker_url))
    serving.run_mail_in(
        settings, enqueuer, host or settings.mail_in_host, port or settings.mail_in_port
    )


@main.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"Database at {serving.safe_url(settings.database_url)} is at revision {revision}.")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--role", required=True, help="admin, coordinator, translator or viewer")
@click.option("--name", required=True, help="Who or what uses the token")
def token_create(role: str, name: str) -> None:
    """Create a token and print it as the last line; it is shown only this once."""
    from dispatch.security.service import create_token, parse_role

    async def work(session: AsyncSession) -> str:
        row, plain = await create_token(session, name=name, role=parse_role(role), actor=CLI)
        click.echo(f"Token {row.id} ({row.role}) for {row.name!r}; store it now, it is not kept:")
        return plain

    click.echo(_run_in_session(work))


@token.command("list")
def token_list() -> None:
    """Every token: id, role, name, created, and whether it is revoked or expired."""
    from dispatch.db.base import utcnow
    from dispatch.security.service import list_tokens, token_state

    async def work(session: AsyncSession) -> list[str]:
        now = utcnow()
        return [
            f"{row.id}\t{row.role}\t{row.name}\t{row.created_at:%Y-%m-%d %H:%M}\t"
            + token_state(row, now)
            for row in await list_tokens(session)
        ]

    for line in _run_in_session(work):
        click.echo(line)


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (from ``token list``); it stops working at once."""
    from dispatch.security.service import revoke_token

    async def work(session: AsyncSession) -> bool:
        return await revoke_token(session, token_id=token_id, actor=CLI) is not None

    if not _run_in_session(work):
        raise click.ClickException(f"There is no token {token_id}; see dispatch token list.")
    click.echo(f"Token {token_id} is revoked.")


@main.group()
def user() -> None:
    """People who sign in to the web pages."""


@user.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, help="admin, coordinator, translator or viewer")
def user_create(email: str, role: str) -> None:
    """Create a user; the password is read as one line from standard input."""
    from dispatch.security.service import create_user, parse_role

    password = sys.stdin.readline().rstrip("\r\n")

    async def work(session: AsyncSession) -> int:
        created = await create_user(
            session, email=email, role=parse_role(role), password=password, actor=CLI
        )
        return created.id

    user_id = _run_in_session(work)
    settings = _settings()
    click.echo(f"User {user_id} created with role {role}.")
    click.echo(_next_steps(settings, email, parse_role(role)))


def _next_steps(settings: Settings, email: str, role: Role) -> str:
    """What the new person must do to get in, for whoever runs the command to pass on."""
    from dispatch.security.factors import ROLES_WITH_FACTOR

    login = f"{settings.base_url}/login"
    if not settings.local_login:
        return (
            f"Passwords are switched off (DISPATCH_LOCAL_LOGIN=false): {email} signs in with "
            f"the organisation's account at {login}, and needs a role there "
            f"({settings.oidc_roles_claim} claim); this password is not used."
        )
    if role in ROLES_WITH_FACTOR:
        return (
            f"Next: {email} signs in at {login} with this password, then sets up an "
            "authenticator app on their phone (a QR code is shown once), types its six-digit "
            "code, and keeps the ten recovery codes shown once. Until then the account can do "
            "nothing."
        )
    return f"Next: {email} signs in at {login} with this password."


@user.command("reset-factor")
@click.option("--email", required=True)
def user_reset_factor(email: str) -> None:
    """Forget a user's authenticator app and recovery codes (a lost phone, a new secret key);
    they set up a new one at their next sign-in."""
    from sqlalchemy import select

    from dispatch.security.factors import reset_factor
    from dispatch.security.models import User

    async def work(session: AsyncSession) -> bool:
        found = await session.scalar(select(User).where(User.email == email.strip().lower()))
        if found is None:
            return False
        await reset_factor(session, user=found, actor=CLI)
        return True

    if not _run_in_session(work):
        raise click.ClickException(f"There is no user {email}.")
    click.echo(
        f"The authenticator app and recovery codes of {email} are forgotten; they set up a new "
        "app at their next sign-in, after their password."
    )


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
def import_(file: Path, dry_run: bool) -> None:
    """Import organisations and contacts from a CSV file."""
    from dispatch.directory.importer import import_directory

    data = file.read_bytes()
    outcome = _run_in_session(lambda s: import_directory(s, data=data, dry_run=dry_run, actor=CLI))
    for row, errors in outcome.rejected:
        click.echo(f"row {row}: " + "; ".join(errors), err=True)
    verb = "would create" if dry_run else "created"
    click.echo(
        f"{verb} {outcome.created_organisations} organisation(s) and "
        f"{outcome.created_contacts} contact(s); updated {outcome.updated_contacts} contact(s) "
        f"and {outcome.updated_organisations} organisation(s); {outcome.unchanged_contacts} "
        f"unchanged; {len(outcome.rejected)} row(s) rejected."
    )
    if outcome.rejected:
        sys.exit(1)


@main.group()
def templates() -> None:
    """Alert templates prepared before the crisis."""


@templates.command("load")
def templates_load() -> None:
    """Load the starter library (boil-water notice, outbreak, heatwave, medicine shortage,
    evacuation, vaccination); templates already loaded are left as they are."""
    from dispatch.alert_templates.library import load_library

    settings = _settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)
    outcome = _run_in_session(lambda s: load_library(s, actor=CLI))
    click.echo(
        f"Templates: {len(outcome.added)} added, {len(outcome.already_there)} already there."
    )


DEMO_USER = "koordinator@demo.example"


@main.command()
def demo() -> None:
    """Load demo organisations and contacts (idempotent) and a demo coordinator who can sign in.

    The demo coordinator gets a new random password on every run, printed once. Refused while
    'dispatch run' serves the same SQLite database (it would sign the live session out).
    """
    settings = _settings()
    lock = serving.lock_database(settings)
    try:
        click.echo(_load_demo(settings))
    finally:
        if lock is not None:
            lock.close()


def _load_demo(settings: Settings) -> str:
    """Load the demo and set the demo coordinator's password; the sign-in line to print."""
    import secrets

    from sqlalchemy import select

    from dispatch.alert_templates.library import load_library
    from dispatch.directory.demo import load_demo
    from dispatch.security.models import Role, User
    from dispatch.security.service import create_user, set_password

    if settings.is_sqlite:
        upgrade(settings.database_url)
    outcome = _run_in_session(lambda s: load_demo(s, actor=CLI))
    library = _run_in_session(lambda s: load_library(s, actor=CLI))
    password = secrets.token_urlsafe(12)

    async def demo_user(session: AsyncSession) -> None:
        user = await session.scalar(select(User).where(User.email == DEMO_USER))
        if user is None:
            await create_user(
                session, email=DEMO_USER, role=Role.COORDINATOR, password=password, actor=CLI
            )
        else:
            await set_password(session, user=user, password=password)

    _run_in_session(demo_user)
    click.echo(
        f"Demo directory: {outcome.created_organisations} organisation(s) and "
        f"{outcome.created_contacts} contact(s) added, {outcome.unchanged_contacts} already there."
    )
    click.echo(
        f"Starter templates: {len(library.added)} added, {len(library.already_there)} already "
        "there (dashboard: /templates)."
    )
    click.echo(
        "Coordinators also give a code from an authenticator app: the first sign-in shows "
        "a QR code to scan (or a key to type) in one."
    )
    return (
        f"Demo coordinator: sign in at {settings.base_url}/login as {DEMO_USER} "
        f"with the password {password}"
    )
