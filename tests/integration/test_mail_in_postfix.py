"""E-mail that tells the truth, through a real mail server: Debian's Postfix on loopback (set up
by the test) between the service and the members' mailboxes, and ``dispatch mail-in`` as the
inbound domain's MX.

- An alert to an unknown user: Postfix takes it, then bounces it itself; the bounce reaches
  ``dispatch mail-in``, the e-mail fails with Postfix's reason and the person's SMS goes out.
- A member's reply through the same server acknowledges and becomes a field report without the
  quoted alert; an out-of-office answer does neither; a made-up address at the domain is refused.
"""

from __future__ import annotations

import shutil
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import unavailable
from tests.fakes.twilio import FakeTwilio
from tests.postfix import Postfix, available, postfix_folder
from tests.processes import (
    Process,
    create_token,
    free_port,
    stack_env,
    start_api,
    start_worker,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

DOMAIN = "svar.example"
ALERT = {
    "nb": {
        "subject": "Utbrudd av meslinger i Drammen",
        "body": "Vi ber alle nettverk sjekke vaksinestatus.",
        "sms": "Utbrudd av meslinger i Drammen.",
    }
}


@dataclass
class MailStack:
    base: str
    headers: dict[str, str]
    postfix: Postfix
    mail_in_port: int
    processes: list[Process]

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.base + path, headers=self.headers, params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: Any) -> httpx.Response:
        return httpx.post(self.base + path, json=body, headers=self.headers, timeout=30)

    def logs(self) -> str:
        parts = [
            f"--- {p.log.name}\n{p.log.read_text(errors='replace')[-4000:]}" for p in self.processes
        ]
        return "\n".join([*parts, "--- maillog", self.postfix.log_text()[-4000:]])


@pytest.fixture
def postfix_stack(
    dispatch_bin: str,
    clean_postgres: str,
    redis_url: str,
    fake_twilio: FakeTwilio,
    tmp_path: Path,
) -> Iterator[MailStack]:
    why = available()
    if why is not None:
        unavailable(why)
    mail_in_port = free_port()
    folder = postfix_folder()
    folder.parent.chmod(0o755)
    postfix = Postfix(
        folder,
        port=free_port(),
        inbound_domain=DOMAIN,
        mail_in_port=mail_in_port,
        users=["ola", "per"],
    )
    port = free_port()
    env = stack_env(
        database_url=clean_postgres,
        redis_url=redis_url,
        port=port,
        smtp_port=postfix.port,
        twilio=fake_twilio,
        inbound_mail_domain=DOMAIN,
        sweep_interval_seconds="1",
        worker_metrics_port="0",
    )
    headers = {"Authorization": f"Bearer {create_token(dispatch_bin, env)}"}
    processes: list[Process] = []
    with postfix:
        try:
            processes.append(start_api(dispatch_bin, env, port, tmp_path / "api.log"))
            processes.append(start_worker(dispatch_bin, env, tmp_path / "worker.log"))
            processes.append(
                Process(
                    [dispatch_bin, "mail-in", "--host", "127.0.0.1", "--port", str(mail_in_port)],
                    env,
                    tmp_path / "mail-in.log",
                )
            )
            stack = MailStack(f"http://127.0.0.1:{port}", headers, postfix, mail_in_port, processes)
            wait_until(lambda: _listening(mail_in_port), timeout=30, what="dispatch mail-in")
            yield stack
        finally:
            for process in processes:
                process.stop()
    shutil.rmtree(folder.parent, ignore_errors=True)


def _listening(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
            return client.noop()[0] == 250
    except OSError:
        return False


def _directory(stack: MailStack) -> dict[str, int]:
    """An organisation in NIK with three people: two with mailboxes at Postfix, one (kari)
    whose address Postfix does not know. Their contact ids by name."""
    org = stack.post(
        "/api/v1/organisations",
        {"name": "Drammen kommune", "kind": "municipality", "networks": [{"code": "NIK"}]},
    )
    assert org.status_code == 201, org.text
    ids = {}
    for name, phone in (("ola", "+4741000001"), ("per", "+4741000002"), ("kari", "+4741000003")):
        made = stack.post(
            "/api/v1/contacts",
            {
                "organisation_id": org.json()["id"],
                "name": name.title(),
                "email": f"{name}@members.example",
                "phone": phone,
            },
        )
        assert made.status_code == 201, made.text
        ids[name] = made.json()["id"]
    return ids


def _answer(stack: MailStack, original: EmailMessage, text: str, **headers: str) -> None:
    """What a member's mail program sends: to the Reply-To, quoting the alert below."""
    reply = EmailMessage()
    reply["From"] = str(original["To"])
    reply["To"] = str(original["Reply-To"])
    reply["Subject"] = "SV: " + str(original["Subject"])
    reply["Message-ID"] = make_msgid(domain="members.example")
    reply["In-Reply-To"] = str(original["Message-ID"])
    for name, value in headers.items():
        reply[name] = value
    quoted = "\n".join(
        "> " + line for line in original.get_body(("plain",)).get_content().splitlines()
    )  # type: ignore[union-attr]
    reply.set_content(
        f"{text}\n\nHilsen Ola\nSendt fra min iPhone\n\n"
        f"Den 7. des. 2026 kl. 10:00 skrev Beredskap <beredskap@helsedir.example>:\n{quoted}\n"
    )
    with smtplib.SMTP("127.0.0.1", stack.postfix.port, timeout=10) as client:
        client.send_message(reply)


def test_postfix_bounce_fails_the_email_and_a_reply_acknowledges(
    postfix_stack: MailStack, fake_twilio: FakeTwilio
) -> None:
    stack = postfix_stack
    ids = _directory(stack)

    # Given an alert by e-mail only to ola, per and kari (whom Postfix does not know),
    declared = stack.post(
        "/api/v1/incidents",
        {"title": "Meslinger", "networks": ["NIK"], "channels": ["email"], "message": ALERT},
    )
    assert declared.status_code == 201, declared.text
    incident = declared.json()["id"]

    # when Postfix delivers two and bounces the third itself, to the alert's Return-Path,
    wait_until(
        lambda: stack.postfix.mailbox("ola") and stack.postfix.mailbox("per"),
        timeout=60,
        what=f"the alert in ola's and per's mailboxes\n{stack.logs()}",
    )
    alert = stack.postfix.mailbox("ola")[0]
    return_path = str(alert["Return-Path"]).strip("<>")
    assert return_path.startswith("b-"), return_path
    assert return_path.endswith("@" + DOMAIN), return_path
    reply_to = str(alert["Reply-To"])
    assert reply_to.startswith("r-"), reply_to
    assert reply_to.endswith("@" + DOMAIN), reply_to

    def emails() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = stack.get(
            f"/api/v1/incidents/{incident}/deliveries", channel="email"
        )["items"]
        return rows

    try:
        wait_until(
            lambda: any(d["state"] == "failed" for d in emails()), timeout=60, what="the bounce"
        )
    except AssertionError:
        raise AssertionError(f"e-mails: {emails()}\n{stack.logs()}") from None
    # then kari's e-mail fails with Postfix's reason, and her SMS goes out instead.
    failed = [d for d in emails() if d["state"] == "failed"]
    assert len(failed) == 1, emails()
    assert "5.1.1" in failed[0]["last_error"], failed
    assert "unknown user" in failed[0]["last_error"], failed
    assert sorted(d["state"] for d in emails()) == ["delivered", "delivered", "failed"]
    wait_until(
        lambda: any(m.to == "+4741000003" for m in fake_twilio.messages),
        timeout=60,
        what=f"kari's SMS\n{stack.logs()}",
    )
    assert not any(m.to in ("+4741000001", "+4741000002") for m in fake_twilio.messages)
    # The directory flags her address.
    kari = stack.get(f"/api/v1/contacts/{ids['kari']}")
    assert kari["email_bounced"] is not None
    assert "5.1.1" in kari["email_bounced"]["reason"]
    assert stack.get(f"/api/v1/contacts/{ids['ola']}")["email_bounced"] is None

    # When ola answers the alert through the same server,
    _answer(stack, alert, "Mottatt, vi følger med.")
    # and per's mail program answers that he is away,
    away = stack.postfix.mailbox("per")[0]
    _answer(
        stack,
        away,
        "Jeg er på ferie til 3. januar.",
        **{"Auto-Submitted": "auto-replied"},
    )

    def email_counts() -> dict[str, int]:
        counts: dict[str, int] = stack.get(f"/api/v1/incidents/{incident}")["stats"]["email"]
        return counts

    wait_until(
        lambda: email_counts()["replied"] == 1 and email_counts()["automatic"] == 1,
        timeout=60,
        what=f"the reply and the automatic answer\n{stack.logs()}",
    )
    # then ola has acknowledged by e-mail, once, and his words (only his) are a field report;
    acks = stack.get(f"/api/v1/incidents/{incident}/acknowledgements")
    by_contact = {a["contact_id"]: a for a in acks}
    assert set(by_contact) == {ids["ola"]}, acks
    assert by_contact[ids["ola"]]["via"] == "email"
    reports = stack.get("/api/v1/field-reports", incident_id=incident)["items"]
    assert [r["text"] for r in reports] == ["Mottatt, vi følger med."], reports
    # per's out-of-office neither acknowledged nor became a field report.
    assert email_counts() == {
        "accepted": 3,
        "bounced": 1,
        "replied": 1,
        "automatic": 1,
        "sms_beside_bounced": 0,
    }

    # A made-up address at the domain is refused by mail-in,
    with smtplib.SMTP("127.0.0.1", stack.mail_in_port, timeout=10) as client:
        client.ehlo("mx.members.example")
        client.mail("ola@members.example")
        code, answer = client.rcpt(f"r-1-aaaaaaaaaaaaaaaaaaaaaaaaaa@{DOMAIN}")
        assert code == 550, answer
        code, answer = client.rcpt(f"postmaster@{DOMAIN}")
        assert code == 550, answer
    # and through Postfix the sender gets Postfix's bounce saying so.
    stray = EmailMessage()
    stray["From"] = "ola@members.example"
    stray["To"] = f"r-made-up@{DOMAIN}"
    stray["Subject"] = "Hei"
    stray.set_content("Hei")
    with smtplib.SMTP("127.0.0.1", stack.postfix.port, timeout=10) as client:
        client.send_message(stray)
    wait_until(
        lambda: any("5.1.1" in m.as_string() for m in stack.postfix.mailbox("ola")[1:]),
        timeout=60,
        what=f"Postfix's bounce of the made-up address\n{stack.logs()}",
    )
