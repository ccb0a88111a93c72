"""A newsletter through real parts: ``dispatch serve`` and ``dispatch worker`` on PostgreSQL and
Redis, a real SMTP server. The e-mail carries List-Unsubscribe; a mail program's one-click POST
stops newsletters for that contact, the next alert still reaches them, and the footer's other
link takes a contribution for the next issue."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.fakes.smtp import SmtpSink
from tests.integration.test_fanout import Cluster, cluster, settled  # noqa: F401 - fixture
from tests.processes import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CONTENT = {"nb": {"subject": "Nyhetsbrev", "body": "Nytt fra nettverket."}}


def test_newsletter_unsubscribe_in_one_click_and_alerts_still_arrive(
    cluster: Cluster,  # noqa: F811
    smtp_sink: SmtpSink,
) -> None:
    sent = cluster.post(
        "/api/v1/newsletters",
        {"title": "Desember", "networks": ["NIFS"], "content": CONTENT, "channels": ["email"]},
    )
    assert sent.status_code == 201, sent.text
    newsletter = sent.json()

    def letters() -> list[Any]:
        return [m for m in smtp_sink.messages if m.message["Subject"] == "Nyhetsbrev"]

    wait_until(
        lambda: len(letters()) == newsletter["recipients"], timeout=30, what="every newsletter"
    )
    mail = next(m for m in smtp_sink.messages if m.message["Subject"] == "Nyhetsbrev")
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = re.fullmatch(
        r"<(http://127\.0\.0\.1:\d+/unsubscribe/[\w.-]+)>",
        str(mail.message["List-Unsubscribe"]).strip(),
    )
    assert header is not None, mail.message["List-Unsubscribe"]
    # What a mail program sends for its unsubscribe button (RFC 8058).
    done = httpx.post(header.group(1), data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200
    address = mail.rcpt_tos[0]

    # The next alert reaches them all the same.
    declared = cluster.post(
        "/api/v1/incidents",
        {
            "title": "Øvelse",
            "networks": ["NIFS"],
            "status": "exercise",
            "channels": ["email"],
            "message": {"nb": {"subject": "Øvelse etter nyhetsbrev", "body": "Øvelse."}},
        },
    )
    assert declared.status_code == 201, declared.text
    incident_id = declared.json()["id"]
    wait_until(lambda: settled(cluster, incident_id), timeout=30, what="the alert delivered")
    alerts = [
        m for m in smtp_sink.messages if "Øvelse etter nyhetsbrev" in str(m.message["Subject"])
    ]
    assert any(address in m.rcpt_tos for m in alerts)

    # The next newsletter does not.
    second = cluster.post(
        "/api/v1/newsletters",
        {"title": "Januar", "networks": ["NIFS"], "content": CONTENT, "channels": ["email"]},
    ).json()
    assert second["opted_out"] == 1
    assert second["recipients"] == newsletter["recipients"] - 1

    # The footer's other link takes a contribution for the next issue.
    contribute = re.search(r"(http://127\.0\.0\.1:\d+/newsletter/contribute\?lang=\w+)", mail.text)
    assert contribute is not None
    posted = httpx.post(
        contribute.group(1),
        data={"name": "Ali", "organisation": "Frivillig", "text": "Språkkafé hver tirsdag."},
        timeout=10,
    )
    assert posted.status_code == 200
    queue = cluster.get("/api/v1/newsletters/contributions")
    assert [c["text"] for c in queue["items"]] == ["Språkkafé hver tirsdag."]
