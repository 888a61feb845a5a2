"""Stand-ins for the providers the outbox talks to, on loopback: a real SMTP server (aiosmtpd) that
requires STARTTLS and a login, and an HTTP gateway for SMS and Zalo that honours idempotency keys."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SMTP_LOGIN, SMTP_PASSWORD = "cds-relay", "mat-khau-smtp"
GATEWAY_KEY = "khoa-cong-sms"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 (openssl), used by the SMTP server and trusted by
    the client through SMTP_CA_FILE."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return str(cert), str(key)


class MailHandler:
    """Keeps every message the server accepted; ``on_message(count)`` runs after one is stored and
    before the server answers."""

    def __init__(self) -> None:
        self.messages: list = []
        self.on_message: Callable[[int], None] | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        if self.on_message is not None:
            self.on_message(len(self.messages))
        return f"250 OK queued as m{len(self.messages)}"


@pytest.fixture
def smtp_server(tls_certificate):
    """A real SMTP server on loopback requiring STARTTLS and a login; yields (handler, settings)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = tls_certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticate(server, session, envelope, mechanism, data) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_LOGIN.encode(), SMTP_PASSWORD.encode())
        return AuthResult(success=ok)

    handler = MailHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticate, auth_require_tls=True)
    controller.start()
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_USERNAME": SMTP_LOGIN,
                "SMTP_PASSWORD": SMTP_PASSWORD, "SMTP_STARTTLS": True, "SMTP_CA_FILE": cert,
                "SMTP_FROM": "congdanso@tinh.gov.vn", "SMTP_TIMEOUT": 10, "EMAIL_ADAPTER": ""}
    yield handler, settings
    controller.stop()


class Gateway:
    """What the SMS/Zalo gateway stand-in received: every request, and the deliveries (one per
    idempotency key; a repeated key gets the first acceptance back and delivers nothing)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.deliveries: list[dict] = []
        self.accepted: dict[str, str] = {}
        self.answers: list[int] = []  # status codes to answer next, instead of accepting
        self.on_delivery: Callable[[int], None] | None = None
        self.lock = threading.Lock()


@pytest.fixture
def sms_gateway():
    """The HTTP gateway stand-in on loopback; yields (gateway, settings for SMS and Zalo)."""
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            """Quiet."""

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers.get("Idempotency-Key", "")
            with gateway.lock:
                gateway.requests.append({"body": body, "key": key, "auth": self.headers.get("Authorization")})
                status = gateway.answers.pop(0) if gateway.answers else 200
                delivered = None
                if status == 200 and key not in gateway.accepted:
                    gateway.accepted[key] = f"gw-{len(gateway.accepted) + 1}"
                    gateway.deliveries.append(body)
                    delivered = len(gateway.deliveries)
                answer = json.dumps({"id": gateway.accepted.get(key, "")}).encode()
            if delivered is not None and gateway.on_delivery is not None:
                gateway.on_delivery(delivered)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # the sender is gone

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/send"
    settings = {"SMS_GATEWAY_URL": url, "SMS_GATEWAY_KEY": GATEWAY_KEY, "SMS_TEMPLATE_IDS": "", "SMS_ADAPTER": "",
                "ZALO_GATEWAY_URL": url, "ZALO_GATEWAY_KEY": GATEWAY_KEY,
                "ZALO_TEMPLATE_IDS": "contest_round_opened=ZNS-101,contest_results=ZNS-102", "ZALO_ADAPTER": "",
                "GATEWAY_TIMEOUT": 10}
    yield gateway, settings
    server.shutdown()
    server.server_close()
