"""``dispatch serve`` as a real process on a real socket, as the Quick start runs it."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.processes import STARTUP_S, create_token, free_port


@pytest.fixture
def served(dispatch_bin: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    with serve(dispatch_bin, tmp_path) as running:
        yield running


@contextmanager
def serve(
    dispatch_bin: str, tmp_path: Path, **settings: str
) -> Iterator[tuple[str, dict[str, str], Path]]:
    """``dispatch demo`` then ``dispatch serve`` on the embedded default, with ``settings`` as
    ``DISPATCH_*``; the base URL, the environment and the log once /health answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env["DISPATCH_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'serve.sqlite3'}"
    env["DISPATCH_SECRET_KEY"] = "serve-test-secret"
    env.update({f"DISPATCH_{k.upper()}": v for k, v in settings.items()})
    port = free_port()
    log = tmp_path / "serve.log"
    demo = subprocess.run([dispatch_bin, "demo"], env=env, capture_output=True, timeout=60)
    assert demo.returncode == 0, demo.stderr
    with log.open("wb") as out:
        process = subprocess.Popen(
            [dispatch_bin, "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, (
                f"dispatch serve did not answer /health in {STARTUP_S:.0f} s"
            )
            time.sleep(0.2)
        yield base, env, log
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_serve_answers_over_a_socket_and_logs_json_without_personal_data(
    served: tuple[str, dict[str, str], Path], dispatch_bin: str
) -> None:
    base, env, log = served
    token = create_token(dispatch_bin, env)
    headers = {"Authorization": f"Bearer {token}"}

    networks = httpx.get(f"{base}/api/v1/networks", headers=headers)
    assert [n["code"] for n in networks.json()] == ["NIK", "NONEMI", "NIFS"]
    contacts = httpx.get(f"{base}/api/v1/contacts", headers=headers, params={"network": "NIK"})
    assert contacts.json()["total"] >= 10

    # Given a request that fails on a contact's address, the log still holds no address.
    everyone = httpx.get(f"{base}/api/v1/contacts", headers=headers, params={"page_size": 500})
    kari = next(c for c in everyone.json()["items"] if c["email"] == "kari.nordmann@fhi.example")
    bad = httpx.post(
        f"{base}/api/v1/contacts",
        headers=headers,
        json={"organisation_id": kari["organisation_id"], "name": "K", "email": kari["email"]},
    )
    assert bad.status_code == 409

    text = log.read_text()
    assert "Beredskapsvarsling is starting" in text
    assert "token create" in text
    for secret in ("kari.nordmann@fhi.example", "+4791000200", token):
        assert secret not in text
    json_lines = [line for line in text.splitlines() if line.startswith("{")]
    assert json_lines, "no JSON log lines"


def test_embedded_mode_delivers_to_the_sandbox(
    served: tuple[str, dict[str, str], Path], dispatch_bin: str
) -> None:
    # Given the Quick start's embedded defaults (SQLite, in-process workers, sandbox channels),
    base, env, _ = served
    headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
    # when an exercise is declared,
    declared = httpx.post(
        f"{base}/api/v1/incidents",
        headers=headers,
        json={
            "title": "Øvelse",
            "networks": ["NIK", "NONEMI", "NIFS"],
            "status": "exercise",
            "channels": ["email", "sms"],
            "message": {
                "nb": {"subject": "Øvelse", "sms": "Dette er en øvelse.", "body": "Øvelse."},
                "ar": {"subject": "تمرين", "sms": "هذا تمرين.", "body": "تمرين."},
            },
        },
        timeout=30,
    )
    assert declared.status_code == 201, declared.text
    incident = declared.json()

    # then the in-process workers hand every delivery to the sandbox, readable over the API.
    def all_delivered() -> bool:
        stats = httpx.get(f"{base}/api/v1/incidents/{incident['id']}", headers=headers).json()
        return stats["stats"]["deliveries"]["delivered"] == incident["deliveries"]["planned"]

    deadline = time.monotonic() + 30
    while not all_delivered():
        assert time.monotonic() < deadline, "the embedded workers did not deliver in 30 s"
        time.sleep(0.2)
    sms = httpx.get(
        f"{base}/api/v1/sandbox/messages", headers=headers, params={"channel": "sms"}
    ).json()
    ahmed = [m for m in sms if m["to"] == "+4741000100"]
    assert len(ahmed) == 1
    assert ahmed[0]["language"] == "ar"
    assert ahmed[0]["direction"] == "rtl"
    kari = next(m for m in sms if m["to"] == "+4791000200")
    assert kari["body"].startswith("ØVELSE: Dette er en øvelse.")
    assert f"OK {incident['code']}" in kari["body"]
