"""Personal notification webhooks: `/oncall notify add <https-url>` (only https, the person's
own), the test button, a POST for each urgent notification they receive, and failures told to
them. The far end is a real HTTPS server on 127.0.0.1 with a certificate made for the test."""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import NotifyHook
from tests.alerts.conftest import shown_text


class Receiver:
    """An HTTPS endpoint that records the JSON POSTed to it and answers `status`."""

    def __init__(self, cert: Path, key: Path):
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        self.hosts: list[str] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.paths.append(self.path)
                receiver.hosts.append(self.headers.get("host"))
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/pages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(tmp_path, monkeypatch, settings) -> Iterator[Receiver]:
    """The receiver, on 127.0.0.1: private addresses allowed (NOTIFY_WEBHOOKS_ALLOW_PRIVATE)."""
    settings.notify_webhooks_allow_private = True
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusted by this process's https calls
    found = Receiver(cert, key)
    yield found
    found.close()


def test_an_urgent_notification_is_also_posted_to_the_persons_webhook(
    db, alerting, hooks, slack, http_driver, receiver
):
    answer = http_driver.command("/oncall", f"notify add <{receiver.url}>", user="U0ANA")
    assert answer.text.startswith(
        f"Added. Urgent alerts you receive are also POSTed to {receiver.url}"
    )

    hooks.fire("a1", group="g1", severity="page")
    hooks.fire("a2", group="g2", severity="warning")  # not urgent: Slack only

    (posted,) = receiver.bodies
    assert posted["status"] == "firing" and posted["severity"] == "page"
    assert posted["title"] == "HighErrorRate on billing-api (a1)"
    assert len(slack.posted("U0ANA")) == 2


def test_the_test_button_says_whether_it_worked(db, alerting, slack, http_driver, receiver):
    http_driver.command("/oncall", f"notify add {receiver.url}", user="U0BEN")
    http_driver.action("notify_test", "test", user="U0BEN")
    receiver.status = 500
    http_driver.action("notify_test", "test", user="U0BEN")

    assert [b["status"] for b in receiver.bodies] == ["test", "test"]
    said = [m["text"] for m in slack.posted("U0BEN")]
    assert said == [
        ":white_check_mark: The test reached your webhook.",
        ":warning: The test failed: HTTP 500.",
    ]
    shown = http_driver.command("/oncall", "notify", user="U0BEN")
    assert "Last call: HTTP 500." in shown_text(shown.json)


def test_a_failing_webhook_is_told_once_until_it_works_again(
    db, alerting, hooks, slack, http_driver, receiver
):
    http_driver.command("/oncall", f"notify add {receiver.url}", user="U0ANA")
    receiver.status = 503
    hooks.fire("a1", group="g1")
    hooks.fire("a2", group="g2")

    failures = [m for m in slack.posted("U0ANA") if "webhook failed" in m["text"]]
    assert len(failures) == 1 and "HTTP 503" in failures[0]["text"]
    assert len(receiver.bodies) == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://ntfy.example.com/pages",
        "<http://ntfy.example.com/pages>",
        "ftp://example.com/x",
        "https://",
        "https://user:secret@ntfy.example.com/x",
        "ntfy.example.com",
    ],
)
def test_an_address_that_is_not_https_is_refused_and_nothing_stored(db, alerting, http_driver, url):
    answer = http_driver.command("/oncall", f"notify add {url}")

    assert answer.status == 200
    assert "https" in answer.text or "passwords" in answer.text
    assert "/oncall notify [add <https-url> | remove]" in answer.text
    assert db.scalar(select(func.count()).select_from(NotifyHook)) == 0


def test_remove_takes_it_out(db, alerting, http_driver, receiver):
    http_driver.command("/oncall", f"notify add {receiver.url}")
    assert "Removed" in http_driver.command("/oncall", "notify remove").text
    assert "You have no notification webhook" in http_driver.command("/oncall", "notify").text


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/pages",
        "https://localhost:8443/pages",
        "https://10.1.2.3/pages",
        "https://192.168.0.10/pages",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/pages",
        "https://[::ffff:127.0.0.1]/pages",
        "https://0.0.0.0/pages",
        "https://100.64.0.1/pages",
    ],
)
def test_an_address_on_a_private_network_is_refused_and_nothing_stored(
    db, alerting, http_driver, settings, url
):
    assert settings.notify_webhooks_allow_private is False  # the default
    answer = http_driver.command("/oncall", f"notify add <{url}>")

    assert "isn't on the public internet" in answer.text, answer.text
    assert "/oncall notify [add <https-url> | remove]" in answer.text
    assert db.scalar(select(func.count()).select_from(NotifyHook)) == 0


def test_an_address_that_turned_private_since_it_was_added_is_not_called(
    db, alerting, hooks, slack, http_driver, receiver, settings
):
    """As a name rebound to an inside address would: the check is made again on each call,
    on the address connected to."""
    http_driver.command("/oncall", f"notify add {receiver.url}", user="U0ANA")
    settings.notify_webhooks_allow_private = False

    hooks.fire("a1", group="g1")
    http_driver.action("notify_test", "test", user="U0ANA")

    assert receiver.bodies == []
    failures = [m["text"] for m in slack.posted("U0ANA") if ":warning:" in m["text"]]
    assert len(failures) == 2
    assert all("127.0.0.1 isn't on the public internet" in text for text in failures), failures


def test_an_address_with_a_query_is_kept_as_typed_and_called_there(
    db, alerting, hooks, http_driver, receiver
):
    answer = http_driver.command(
        "/oncall", f"notify add <{receiver.url}?topic=pages&amp;to=ana>", user="U0ANA"
    )
    assert f"{receiver.url}?topic=pages&amp;to=ana" in answer.text  # Slack-escaped once
    assert db.scalar(select(NotifyHook.url)) == f"{receiver.url}?topic=pages&to=ana"

    hooks.fire("a1", group="g1")

    assert receiver.paths == ["/pages?topic=pages&to=ana"]


def test_a_named_host_is_called_at_the_address_checked_with_its_name_for_tls(
    db, alerting, hooks, http_driver, receiver
):
    named = receiver.url.replace("127.0.0.1", "localhost")
    http_driver.command("/oncall", f"notify add <{named}>", user="U0ANA")

    hooks.fire("a1", group="g1")

    assert receiver.paths == ["/pages"]
    assert receiver.hosts == [named.split("/")[2]]  # the name, as typed, in the Host header
