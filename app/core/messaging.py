"""Pluggable delivery of messages to people (password-reset links, reminders).

The class named by ``MESSAGE_SENDER`` is used; a province plugs in its SMS gateway or mail relay
by writing a class with a ``send(recipient, subject, body)`` method.
"""
from __future__ import annotations

import importlib
import logging

from flask import current_app

log = logging.getLogger("congdanso.messages")


class LogSender:
    """Development sender: writes the message (and so the link) to the log."""

    def send(self, recipient: str, subject: str, body: str) -> None:
        log.info("message to %s: %s — %s", recipient, subject, body)


class MemorySender:
    """Test sender: keeps messages in a list for assertions."""

    outbox: list[tuple[str, str, str]] = []

    def send(self, recipient: str, subject: str, body: str) -> None:
        MemorySender.outbox.append((recipient, subject, body))


def get_sender():
    """Instantiate the configured sender."""
    module_name, _, attr = current_app.config["MESSAGE_SENDER"].partition(":")
    return getattr(importlib.import_module(module_name), attr)()


def send_message(recipient: str, subject: str, body: str) -> None:
    """Deliver one message through the configured sender."""
    get_sender().send(recipient, subject, body)
