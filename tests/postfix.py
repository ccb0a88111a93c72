"""A private Postfix instance on loopback, set up by a test: Debian's ``postfix`` package, its own
configuration and queue under a temporary folder, its own ports, stopped at the end.

It stands between the service and the members' mailboxes as a real mail server does:

- it takes mail on ``127.0.0.1:<port>`` from loopback clients (the service, a member's mail
  program);
- it delivers ``<user>@members.example`` to a Maildir under the folder for each listed user, and
  **bounces** mail to an unlisted user itself, after accepting it (the bounce goes to the
  envelope sender, as any server's would);
- it relays the inbound mail domain (``svar.example``) to ``dispatch mail-in`` on loopback, as the
  domain's MX would be found in DNS.

Starting needs root (Postfix's master drops to the ``postfix`` user); tests run as root here.
Several instances can run at once: each has its own folder and ports. The folder must be one the
``postfix`` and ``nobody`` users can reach (pytest's ``tmp_path`` is private to root): see
``postfix_folder``.
"""

from __future__ import annotations

import email
import email.policy
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Self

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
MEMBERS_DOMAIN = "members.example"

MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command
{listen} inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def postfix_folder() -> Path:
    """A new folder for one instance, reachable by Postfix's users (removed by ``Postfix.stop``)."""
    return Path(tempfile.mkdtemp(prefix="dispatch-postfix-")) / "postfix"


def available() -> str | None:
    """Why Postfix cannot run here, or None when it can."""
    if not Path(POSTFIX).exists():
        return "Postfix is not installed (apt-get install postfix)"
    if os.geteuid() != 0:
        return "starting Postfix needs root"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "the postfix user is missing (is the postfix package installed?)"
    return None


class Postfix:
    """One private Postfix; ``users`` are the mailboxes at ``members.example``."""

    def __init__(
        self,
        folder: Path,
        *,
        port: int,
        inbound_domain: str,
        mail_in_port: int,
        users: list[str],
    ) -> None:
        self.folder = folder
        self.port = port
        self.inbound_domain = inbound_domain
        self.mail_in_port = mail_in_port
        self.users = users
        self.config = folder / "etc"
        self.mail = folder / "mail"
        self.log = folder / "maillog"
        self._started = False

    def address(self, user: str) -> str:
        return f"{user}@{MEMBERS_DOMAIN}"

    def _write_config(self) -> None:
        nobody = pwd.getpwnam("nobody")
        postfix = pwd.getpwnam("postfix")
        self.folder.mkdir(mode=0o755, exist_ok=True)
        self.config.mkdir()
        self.mail.mkdir()
        os.chown(self.mail, nobody.pw_uid, nobody.pw_gid)
        (self.folder / "data").mkdir()
        os.chown(self.folder / "data", postfix.pw_uid, postfix.pw_gid)
        (self.folder / "queue").mkdir()  # postfix start makes its subfolders
        (self.config / "vmailbox").write_text(
            "".join(f"{self.address(user)} {user}/\n" for user in self.users)
        )
        (self.config / "transport").write_text(
            f"{self.inbound_domain} smtp:[127.0.0.1]:{self.mail_in_port}\n"
        )
        settings = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.folder / "queue"),
            "data_directory": str(self.folder / "data"),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": f"mx.{MEMBERS_DOMAIN}",
            "mydomain": MEMBERS_DOMAIN,
            "myorigin": MEMBERS_DOMAIN,
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relay_domains": self.inbound_domain,
            "transport_maps": f"texthash:{self.config / 'transport'}",
            "virtual_mailbox_domains": MEMBERS_DOMAIN,
            "virtual_mailbox_maps": f"texthash:{self.config / 'vmailbox'}",
            "virtual_mailbox_base": str(self.mail),
            "virtual_uid_maps": f"static:{nobody.pw_uid}",
            "virtual_gid_maps": f"static:{nobody.pw_gid}",
            # Take mail for an unknown user and bounce it afterwards, as a server behind a
            # relay does: the bounce is then Postfix's own message, not an SMTP refusal.
            "smtpd_reject_unlisted_recipient": "no",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "smtp_dns_support_level": "disabled",
            "smtp_tls_security_level": "none",
            "smtpd_tls_security_level": "none",
            "maillog_file": str(self.log),
            "maillog_file_prefixes": str(self.folder),
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "biff": "no",
            "append_dot_mydomain": "no",
            "notify_classes": "",
        }
        (self.config / "main.cf").write_text(
            "".join(f"{key} = {value}\n" for key, value in settings.items())
        )
        (self.config / "master.cf").write_text(MASTER_CF.format(listen=f"127.0.0.1:{self.port}"))

    def start(self) -> Self:
        """Write the configuration, start the master, and wait until it takes connections."""
        self._write_config()
        self._postfix("start")
        self._started = True
        import socket

        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"220"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Postfix did not start; its log:\n{self.log_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the master and its daemons; the folder stays for the test's report."""
        if self._started:
            self._postfix("stop", check=False)
            self._started = False

    def _postfix(self, command: str, *, check: bool = True) -> None:
        done = subprocess.run(
            [POSTFIX, "-c", str(self.config), command],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"postfix {command} failed ({done.returncode}): {done.stdout}{done.stderr}\n"
                f"{self.log_text()}"
            )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else "(no log)"

    def mailbox(self, user: str) -> list[EmailMessage]:
        """The messages delivered to ``user``'s Maildir, oldest first."""
        new = self.mail / user / "new"
        if not new.exists():
            return []
        messages = []
        for path in sorted(new.iterdir(), key=lambda p: p.stat().st_mtime):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            messages.append(parsed)
        return messages

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
