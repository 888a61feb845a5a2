"""Delivery channels behind one interface: e-mail over SMTP, SMS and Zalo through the province's
provider (an HTTP gateway, or an adapter class of its own), and, for development and tests, the
log and a list in memory.

An adapter's ``send(message, handing_over)`` returns a ``Receipt`` (the provider's acceptance) or
raises ``DeliveryError`` (``permanent`` or not, with the provider's ``retry_after``). Adapters whose
provider recognises a retry themselves (the gateways get the message's ``Idempotency-Key`` with
every try) need nothing else; the SMTP adapter, which has no such key, calls ``handing_over()``
just before the final dot of the DATA command, the moment after which the server may deliver
without our knowing (RFC 1047), so that the outbox can record it and never send it again.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from typing import ClassVar, Protocol

from flask import current_app

log = logging.getLogger("congdanso.messages")
CHANNELS = ("email", "sms", "zalo")


@dataclass
class OutgoingMessage:
    id: int
    kind: str
    channel: str
    address: str
    subject: str
    body: str
    params: dict
    idempotency_key: str


@dataclass
class Receipt:
    """The provider accepted the message (its own id for it, when it gives one)."""

    provider_id: str = ""


class DeliveryError(Exception):
    """The provider did not accept the message: ``permanent`` (never retried) or not."""

    def __init__(self, message: str, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Adapter(Protocol):
    def send(self, message: OutgoingMessage, handing_over: Callable[[], None]) -> Receipt: ...

    def close(self) -> None: ...


def _template_ids(spec: str) -> dict[str, str]:
    """``"kind=id,kind=id"`` → {kind: id}."""
    pairs = (item.partition("=") for item in spec.replace(";", ",").split(","))
    return {k.strip(): v.strip() for k, _sep, v in pairs if k.strip() and v.strip()}


class SmtpAdapter:
    """E-mail through an SMTP relay with STARTTLS and a login, one connection per run."""

    def __init__(self, config: dict):
        self.host, self.port = config["SMTP_HOST"], int(config["SMTP_PORT"])
        self.username, self.password = config["SMTP_USERNAME"], config["SMTP_PASSWORD"]
        self.starttls, self.ca_file = config["SMTP_STARTTLS"], config["SMTP_CA_FILE"] or None
        self.sender = config["SMTP_FROM"] or self.username
        self.timeout = float(config["SMTP_TIMEOUT"])
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.connection is None:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            connection.ehlo()
            if self.starttls:
                connection.starttls(context=ssl.create_default_context(cafile=self.ca_file))
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
            self.connection = connection
        return self.connection

    def _mime(self, message: OutgoingMessage) -> bytes:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate()
        # The same id on every try: a mailbox that sees it twice may show it once.
        mail["Message-ID"] = f"<{message.idempotency_key}@{self.sender.rpartition('@')[2] or 'congdanso'}>"
        mail.set_content(message.body, cte="quoted-printable")
        return mail.as_bytes(policy=SMTP_POLICY)

    @staticmethod
    def _check(code: int, reply: bytes, expected: tuple[int, ...]) -> None:
        if code not in expected:
            text = f"SMTP {code}: {reply.decode(errors='replace')[:200]}"
            raise DeliveryError(text, permanent=500 <= code < 600)

    def send(self, message: OutgoingMessage, handing_over: Callable[[], None]) -> Receipt:
        try:
            smtp = self._connect()
            data = re.sub(rb"(?m)^\.", b"..", self._mime(message))  # dot-stuffing (RFC 5321 4.5.2)
            self._check(*smtp.mail(self.sender), (250,))
            self._check(*smtp.rcpt(message.address), (250, 251))
            smtp.putcmd("data")
            self._check(*smtp.getreply(), (354,))
            smtp.send(data if data.endswith(b"\r\n") else data + b"\r\n")
            handing_over()  # after the dot the server may deliver even if we never read its answer
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except DeliveryError:
            self._reset()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(f"SMTP: {exc}") from exc
        self._check(code, reply, (250,))
        return Receipt(reply.decode(errors="replace")[:200])

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


class HttpGatewayAdapter:
    """SMS or Zalo (ZNS) through the provider's HTTP gateway: one JSON POST per message.

    The request carries ``Authorization: Bearer <key>`` and ``Idempotency-Key``; the body is
    ``{"channel", "to", "template_id", "params", "text", "idempotency_key"}`` (``template_id`` from
    ``<CHANNEL>_TEMPLATE_IDS`` by kind of message; Zalo requires one). A 2xx answer is the
    acceptance (its JSON ``id`` is kept); 429 and 5xx are retried (honouring ``Retry-After``),
    other answers are permanent failures. The gateway must answer a repeated key with the first
    acceptance instead of sending again.
    """

    def __init__(self, channel: str, config: dict):
        prefix = channel.upper()
        self.channel = channel
        self.url, self.key = config[f"{prefix}_GATEWAY_URL"], config[f"{prefix}_GATEWAY_KEY"]
        self.templates = _template_ids(config[f"{prefix}_TEMPLATE_IDS"])
        self.timeout = float(config["GATEWAY_TIMEOUT"])

    def send(self, message: OutgoingMessage, handing_over: Callable[[], None]) -> Receipt:
        template = self.templates.get(message.kind)
        if self.channel == "zalo" and not template:
            raise DeliveryError(f"no Zalo template id for {message.kind}", permanent=True)
        payload = {
            "channel": self.channel, "to": message.address, "template_id": template,
            "params": message.params, "text": message.body, "idempotency_key": message.idempotency_key,
        }
        request = urllib.request.Request(
            self.url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.key}",
                     "Idempotency-Key": message.idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            retry = exc.code == 429 or exc.code >= 500
            after = exc.headers.get("Retry-After") if exc.headers else None
            raise DeliveryError(
                f"{self.channel} gateway {exc.code}", permanent=not retry,
                retry_after=float(after) if after and after.isdigit() else None,
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DeliveryError(f"{self.channel} gateway: {exc}") from exc
        return Receipt(str(answer.get("id") or answer.get("message_id") or ""))

    def close(self) -> None:
        """Nothing to close: one request per message."""


class LogAdapter:
    """Development: the message (and so a reset link) goes to the log."""

    def __init__(self, channel: str, _config: dict | None = None):
        self.channel = channel

    def send(self, message: OutgoingMessage, handing_over: Callable[[], None]) -> Receipt:
        log.info("%s to %s: %s — %s", self.channel, message.address, message.subject, message.body)
        return Receipt(f"log-{message.id}")

    def close(self) -> None:
        """Nothing to close."""


class MemoryAdapter:
    """Tests: messages are kept in ``MemoryAdapter.sent`` (cleared between tests)."""

    sent: ClassVar[list[OutgoingMessage]] = []

    def __init__(self, channel: str, _config: dict | None = None):
        self.channel = channel

    def send(self, message: OutgoingMessage, handing_over: Callable[[], None]) -> Receipt:
        MemoryAdapter.sent.append(message)
        return Receipt(f"memory-{message.id}")

    def close(self) -> None:
        """Nothing to close."""


def _custom(path: str, channel: str, config: dict) -> Adapter:
    module_name, _sep, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)(channel, config)


def configured(channel: str) -> bool:
    """True when ``channel`` can deliver: a provider is configured, or development logs it."""
    config = current_app.config
    prefix = channel.upper()
    if config.get(f"{prefix}_ADAPTER"):
        return True
    if channel == "email":
        return bool(config["SMTP_HOST"]) or bool(config["MESSAGES_TO_LOG"])
    return bool(config[f"{prefix}_GATEWAY_URL"]) or bool(config["MESSAGES_TO_LOG"])


def adapter_for(channel: str) -> Adapter | None:
    """The adapter configured for ``channel`` (see the README), or None."""
    config = current_app.config
    prefix = channel.upper()
    if config.get(f"{prefix}_ADAPTER"):
        return _custom(config[f"{prefix}_ADAPTER"], channel, config)
    if channel == "email" and config["SMTP_HOST"]:
        return SmtpAdapter(config)
    if channel in ("sms", "zalo") and config[f"{prefix}_GATEWAY_URL"]:
        return HttpGatewayAdapter(channel, config)
    if config["MESSAGES_TO_LOG"]:
        return LogAdapter(channel)
    return None
