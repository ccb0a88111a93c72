"""The second factor over HTTP: enrolment, codes at sign-in, wrong and reused codes, recovery
codes, the per-account limit, and passwords switched off. Chromium does the same in
``tests/e2e/test_sign_in_browser.py``."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pyotp
import pytest
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch.app import ENGINE_STATE_KEY, create_app
from dispatch.db.base import utcnow
from dispatch.security.models import RecoveryCode, Role, User, WebSession
from dispatch.settings import Settings
from tests.conftest import RecordingEnqueuer
from tests.integration.test_dashboard import (
    PASSWORD,
    SAME_ORIGIN,
    TOTP_SECRET,
    add_user,
    anonymous,
)

EMAIL = "kari@helsedir.example"


async def password(client: httpx.AsyncClient, email: str = EMAIL) -> httpx.Response:
    return await client.post(
        "/login", data={"email": email, "password": PASSWORD}, headers=SAME_ORIGIN
    )


async def give(client: httpx.AsyncClient, code: str, path: str = "/login/code") -> httpx.Response:
    return await client.post(path, data={"code": code}, headers=SAME_ORIGIN)


async def sessions(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(WebSession)) or 0


async def new_coordinator(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A coordinator as ``dispatch user create`` leaves one: a password, no authenticator."""
    from dispatch.audit.service import Actor
    from dispatch.security.service import create_user

    async with sessionmaker() as session, session.begin():
        await create_user(
            session, email=EMAIL, role=Role.COORDINATOR, password=PASSWORD, actor=Actor("t")
        )


def not_a_code(secret: str) -> str:
    """Six digits that are none of the codes the service accepts now (previous, this, next)."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    valid = {totp.at(now + timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222") if c not in valid)


def secret_on(page: str) -> str:
    found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert found, "the enrolment page shows the key"
    return found.group(1).replace(" ", "")


async def test_a_coordinator_enrols_at_first_sign_in_and_sees_recovery_codes_once(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await new_coordinator(sessionmaker)
    async with anonymous(app) as client:
        # Given a right password, there is no session yet: the enrolment page comes next.
        answer = await password(client)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login/enrol"
        assert "bv_session" not in client.cookies
        assert (await client.get("/")).status_code == 303
        enrol = await client.get("/login/enrol")
        assert enrol.status_code == 200
        assert "<svg" in enrol.text  # the QR code, inline
        secret = secret_on(enrol.text)
        assert pyotp.TOTP(secret).provisioning_uri(name=EMAIL).startswith("otpauth://totp/")
        # A wrong code keeps nothing.
        wrong = await give(client, not_a_code(secret), "/login/enrol")
        assert wrong.status_code == 400
        async with sessionmaker() as session:
            user = await session.scalar(select(User).where(User.email == EMAIL))
            assert user is not None
            assert user.totp_secret is None
        assert await sessions(sessionmaker) == 0
        # The right code: signed in, and ten recovery codes shown this once.
        done = await give(client, pyotp.TOTP(secret).now(), "/login/enrol")
        assert done.status_code == 200
        codes = re.findall(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>", done.text)
        assert len(set(codes)) == 10
        assert (await client.get("/")).status_code == 200
        # The enrolment page is gone for good: no QR code, no key, however it is asked for.
        again = await client.get("/login/enrol", follow_redirects=False)
        assert again.status_code == 303
        assert secret not in again.text
    async with sessionmaker() as session:
        user = await session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        assert user.totp_secret is not None
        assert secret not in user.totp_secret  # sealed, not the secret itself
        hashes = (await session.scalars(select(RecoveryCode.code_hash))).all()
        assert len(hashes) == 10
        assert not {c.replace("-", "") for c in codes} & set(hashes)


async def test_a_code_is_needed_and_good_once(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, EMAIL, Role.COORDINATOR)
    totp = pyotp.TOTP(TOTP_SECRET)
    async with anonymous(app) as first:
        answer = await password(first)
        assert answer.headers["location"] == "/login/code"
        assert "bv_session" not in first.cookies
        wrong = await give(first, not_a_code(TOTP_SECRET))
        assert wrong.status_code == 401
        assert "Koden er feil" in wrong.text
        code = totp.now()
        signed = await give(first, code)
        assert signed.status_code == 303
        assert (await first.get("/")).status_code == 200
    # The same code a second time, from another browser with the right password: refused.
    async with anonymous(app) as second:
        await password(second)
        reused = await give(second, code)
        assert reused.status_code == 401
        assert "bv_session" not in second.cookies
        # The next step's code (a clock a little ahead is allowed) is good.
        later = await give(second, totp.at(utcnow() + timedelta(seconds=30)))
        assert later.status_code == 303
    assert await sessions(sessionmaker) == 2


async def test_codes_without_a_password_or_across_accounts_sign_no_one_in(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, EMAIL, Role.COORDINATOR)
    async with anonymous(app) as client:
        # No password first: the code page sends back to the password form.
        assert (await client.get("/login/code")).headers["location"] == "/login"
        assert (await give(client, pyotp.TOTP(TOTP_SECRET).now())).headers["location"] == "/login"
        # A forged half-done sign-in cookie is not believed.
        client.cookies.set("bv_signin", "A" * 80, path="/login")
        assert (await give(client, pyotp.TOTP(TOTP_SECRET).now())).headers["location"] == "/login"
        # A form on another site that posts a code is refused.
        await password(client)
        forged = await client.post(
            "/login/code",
            data={"code": pyotp.TOTP(TOTP_SECRET).now()},
            headers={"Origin": "https://evil.example"},
        )
        assert forged.status_code == 403
    assert await sessions(sessionmaker) == 0


async def test_recovery_codes_work_once_each(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await new_coordinator(sessionmaker)
    async with anonymous(app) as client:
        await password(client)
        secret = secret_on((await client.get("/login/enrol")).text)
        done = await give(client, pyotp.TOTP(secret).now(), "/login/enrol")
        codes = re.findall(r"<code>([a-z2-9-]{19})</code>", done.text)
    async with anonymous(app) as lost_phone:
        await password(lost_phone)
        # Typed as people type: upper case, spaces instead of dashes.
        first = await give(lost_phone, codes[0].upper().replace("-", " "))
        assert first.status_code == 303
    async with anonymous(app) as again:
        await password(again)
        assert (await give(again, codes[0])).status_code == 401
        assert (await give(again, codes[1])).status_code == 303
    async with sessionmaker() as session:
        used = await session.scalar(
            select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
        )
    assert used == 2


async def test_five_wrong_codes_stop_the_account_trying(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, EMAIL, Role.ADMIN)
    totp = pyotp.TOTP(TOTP_SECRET)
    right = totp.now()
    wrong = not_a_code(TOTP_SECRET)
    for _ in range(5):
        async with anonymous(app) as client:
            await password(client)
            assert (await give(client, wrong)).status_code == 401
    # From a fresh browser (another address would be the same): even the right code waits.
    async with anonymous(app) as client:
        await password(client)
        refused = await give(client, right)
        assert refused.status_code == 429
    assert await sessions(sessionmaker) == 0


async def test_viewers_and_translators_need_no_code(
    app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for role in (Role.VIEWER, Role.TRANSLATOR):
        email = f"{role.value}@helsedir.example"
        await add_user(sessionmaker, email, role)
        async with anonymous(app) as client:
            answer = await password(client, email)
            assert answer.headers["location"] == "/"
            assert (await client.get("/")).status_code == 200


@pytest.fixture
async def sso_only_app(settings: Settings) -> AsyncIterator[Litestar]:
    """The app with passwords switched off (an issuer is set; it is never reached here)."""
    from dataclasses import replace

    app = create_app(
        replace(
            settings,
            local_login=False,
            oidc_issuer="https://login.example/tenant/v2.0",
            oidc_client_id="beredskapsvarsling",
        ),
        enqueuer=RecordingEnqueuer(),
    )
    yield app
    await app.state[ENGINE_STATE_KEY].dispose()


async def test_passwords_switched_off_sign_no_one_in(
    sso_only_app: Litestar, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await add_user(sessionmaker, "viewer@helsedir.example", Role.VIEWER)
    async with anonymous(sso_only_app) as client:
        form = await client.get("/login")
        assert 'href="/login/oidc?next=/"' in form.text
        assert 'name="password"' not in form.text
        refused = await password(client, "viewer@helsedir.example")
        assert refused.status_code == 403
        assert "Passord er slått av" in refused.text
    assert await sessions(sessionmaker) == 0
