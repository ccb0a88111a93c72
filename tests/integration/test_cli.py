"""The ``dispatch`` command as a user runs it: a real process against a real database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.factories import directory_csv, row


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env["DISPATCH_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    env["DISPATCH_SECRET_KEY"] = "cli-test-secret"
    return env


def run(
    dispatch_bin: str, env: dict[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [dispatch_bin, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def db_path(env: dict[str, str]) -> str:
    return env["DISPATCH_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")


def test_db_upgrade_then_demo_is_idempotent(dispatch_bin: str, cli_env: dict[str, str]) -> None:
    upgraded = run(dispatch_bin, cli_env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    first = run(dispatch_bin, cli_env, "demo")
    assert first.returncode == 0, first.stderr
    assert "added" in first.stdout
    second = run(dispatch_bin, cli_env, "demo")
    assert second.returncode == 0, second.stderr
    assert "0 organisation(s) and 0 contact(s) added" in second.stdout
    # A demo coordinator to sign in with; every run prints a new password, and only that works.
    passwords = [out.stdout.rsplit("with the password ", 1)[1].strip() for out in (first, second)]
    assert passwords[0] != passwords[1]
    assert len(passwords[1]) >= 12

    with sqlite3.connect(db_path(cli_env)) as db:
        observers = db.execute(
            "SELECT o.name, count(*) FROM organisations o JOIN memberships m "
            "ON m.organisation_id = o.id WHERE m.role = 'observer' GROUP BY o.name ORDER BY o.name"
        ).fetchall()
        languages = {r[0] for r in db.execute("SELECT DISTINCT language FROM contacts")}
        users = db.execute("SELECT email, role, password_hash FROM users").fetchall()
    assert [(email, role) for email, role, _ in users] == [
        ("koordinator@demo.example", "coordinator")
    ]
    assert users[0][2].startswith("$argon2")
    assert passwords[1] not in users[0][2]
    assert observers == [
        ("Folkehelseinstituttet", 3),
        ("Integrerings- og mangfoldsdirektoratet", 3),
    ]
    assert {"nb", "nn", "ar", "so", "ti", "fa-AF", "uk", "pl"} <= languages


def test_token_create_prints_the_token_last_and_stores_only_its_hash(
    dispatch_bin: str, cli_env: dict[str, str]
) -> None:
    run(dispatch_bin, cli_env, "db", "upgrade")
    created = run(
        dispatch_bin, cli_env, "token", "create", "--role", "coordinator", "--name", "ops"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("bv_")
    with sqlite3.connect(db_path(cli_env)) as db:
        stored = db.execute("SELECT role, token_hash FROM api_tokens").fetchall()
        audit = db.execute("SELECT action, actor FROM audit_events").fetchall()
    assert len(stored) == 1
    assert stored[0][0] == "coordinator"
    assert token not in stored[0][1]
    assert ("token.created", "cli") in audit

    bad_role = run(dispatch_bin, cli_env, "token", "create", "--role", "boss", "--name", "x")
    assert bad_role.returncode == 1
    assert "Role 'boss' is not one of: admin, coordinator, translator, viewer" in bad_role.stderr


def test_user_create_reads_the_password_from_stdin_and_hashes_it(
    dispatch_bin: str, cli_env: dict[str, str]
) -> None:
    run(dispatch_bin, cli_env, "db", "upgrade")
    password = "korrekt hest batteri stift"
    created = run(
        dispatch_bin,
        cli_env,
        "user",
        "create",
        "--email",
        "koordinator@helsedir.example",
        "--role",
        "coordinator",
        stdin=password + "\n",
    )
    assert created.returncode == 0, created.stderr
    with sqlite3.connect(db_path(cli_env)) as db:
        ((email, password_hash),) = db.execute("SELECT email, password_hash FROM users").fetchall()
    assert email == "koordinator@helsedir.example"
    assert password_hash.startswith("$argon2id$")
    assert password not in password_hash

    short = run(
        dispatch_bin,
        cli_env,
        "user",
        "create",
        "--email",
        "b@helsedir.example",
        "--role",
        "viewer",
        stdin="kort\n",
    )
    assert short.returncode == 1
    assert "at least 12 characters" in short.stderr

    again = run(
        dispatch_bin,
        cli_env,
        "user",
        "create",
        "--email",
        "koordinator@helsedir.example",
        "--role",
        "viewer",
        stdin=password + "\n",
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_import_reports_rejected_rows_and_exits_non_zero(
    dispatch_bin: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    run(dispatch_bin, cli_env, "db", "upgrade")
    csv_file = tmp_path / "members.csv"
    csv_file.write_bytes(
        directory_csv([row(), row(contact_name="Ola", email="ola@x.example", phone="123")])
    )

    dry = run(dispatch_bin, cli_env, "import", str(csv_file), "--dry-run")
    assert dry.returncode == 1
    assert (
        "row 2: phone '123' is not a valid Norwegian or international mobile number" in dry.stderr
    )
    assert "would create 1 organisation(s) and 1 contact(s)" in dry.stdout
    with sqlite3.connect(db_path(cli_env)) as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (0,)

    real = run(dispatch_bin, cli_env, "import", str(csv_file))
    assert real.returncode == 1
    with sqlite3.connect(db_path(cli_env)) as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (1,)


def test_a_bad_setting_is_a_clear_error(dispatch_bin: str, cli_env: dict[str, str]) -> None:
    result = run(dispatch_bin, {**cli_env, "DISPATCH_SMTP_STARTTLS": "maybe"}, "db", "upgrade")
    assert result.returncode != 0
    assert "DISPATCH_SMTP_STARTTLS must be true, false, 1 or 0" in result.stderr


def test_token_list_and_revoke_stop_a_token_at_once(
    dispatch_bin: str, cli_env: dict[str, str]
) -> None:
    # Given two tokens,
    run(dispatch_bin, cli_env, "db", "upgrade")
    for name in ("old deploy", "new deploy"):
        made = run(dispatch_bin, cli_env, "token", "create", "--role", "viewer", "--name", name)
        assert made.returncode == 0, made.stderr
    last_token = made.stdout.strip().splitlines()[-1]
    listed = run(dispatch_bin, cli_env, "token", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert [line.split("\t")[2] for line in lines] == ["old deploy", "new deploy"]
    assert all(line.endswith("\tactive") for line in lines)
    assert last_token not in listed.stdout  # only the hash is kept, and nothing prints it
    # when the first is revoked,
    revoked = run(dispatch_bin, cli_env, "token", "revoke", lines[0].split("\t")[0])
    assert revoked.returncode == 0, revoked.stderr
    # the list says so, the audit log has it, and an unknown id is a clear error.
    after = run(dispatch_bin, cli_env, "token", "list").stdout.strip().splitlines()
    assert [line.rsplit("\t", 1)[1] for line in after] == ["revoked", "active"]
    with sqlite3.connect(db_path(cli_env)) as db:
        audit = db.execute("SELECT action FROM audit_events").fetchall()
    assert ("token.revoked",) in audit
    missing = run(dispatch_bin, cli_env, "token", "revoke", "999")
    assert missing.returncode == 1
    assert "There is no token 999" in missing.stderr


def test_user_create_says_what_comes_next_and_reset_factor_forgets_the_app(
    dispatch_bin: str, cli_env: dict[str, str]
) -> None:
    run(dispatch_bin, cli_env, "db", "upgrade")
    password = "korrekt hest batteri stift\n"
    coordinator = run(
        dispatch_bin, cli_env, "user", "create", "--email", "kari@helsedir.example",
        "--role", "coordinator", stdin=password,
    )  # fmt: skip
    assert coordinator.returncode == 0, coordinator.stderr
    assert "sets up an authenticator app" in coordinator.stdout
    assert "recovery codes" in coordinator.stdout
    viewer = run(
        dispatch_bin, cli_env, "user", "create", "--email", "ola@helsedir.example",
        "--role", "viewer", stdin=password,
    )  # fmt: skip
    assert "signs in at" in viewer.stdout
    assert "authenticator" not in viewer.stdout

    # An enrolled authenticator (as the sign-in page leaves it), then a lost phone.
    with sqlite3.connect(db_path(cli_env)) as db:
        db.execute("UPDATE users SET totp_secret = 'sealed', totp_last_step = 1")
        db.execute(
            "INSERT INTO recovery_codes (user_id, code_hash, created_at, updated_at) "
            "SELECT id, 'h', '2026-12-08', '2026-12-08' FROM users"
        )
    reset = run(dispatch_bin, cli_env, "user", "reset-factor", "--email", "kari@helsedir.example")
    assert reset.returncode == 0, reset.stderr
    with sqlite3.connect(db_path(cli_env)) as db:
        rows = db.execute("SELECT email, totp_secret FROM users ORDER BY email").fetchall()
        codes = db.execute(
            "SELECT count(*) FROM recovery_codes JOIN users ON users.id = user_id "
            "WHERE email = 'kari@helsedir.example'"
        ).fetchone()
    assert rows == [("kari@helsedir.example", None), ("ola@helsedir.example", "sealed")]
    assert codes == (0,)
    unknown = run(dispatch_bin, cli_env, "user", "reset-factor", "--email", "x@helsedir.example")
    assert unknown.returncode == 1
    assert "There is no user" in unknown.stderr

    # With passwords switched off, the person is told to use the organisation's account.
    sso_env = {
        **cli_env,
        "DISPATCH_LOCAL_LOGIN": "false",
        "DISPATCH_OIDC_ISSUER": "https://login.example/tenant/v2.0",
        "DISPATCH_OIDC_CLIENT_ID": "beredskapsvarsling",
    }
    sso = run(
        dispatch_bin, sso_env, "user", "create", "--email", "per@helsedir.example",
        "--role", "admin", stdin=password,
    )  # fmt: skip
    assert "Passwords are switched off" in sso.stdout
