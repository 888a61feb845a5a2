"""The outbox against real providers on loopback: e-mail through an SMTP server that requires
STARTTLS and a login, SMS and Zalo through an HTTP gateway; and a sender killed mid-batch (a real
subprocess, SIGKILL) and started again: every recipient gets exactly one message."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
from datetime import timedelta
from email import policy
from pathlib import Path

import time_machine

from app.accounts.models import User
from app.core import messaging
from app.core.extensions import db
from app.core.models import OutboxMessage
from app.core.types import utcnow
from tests.core.conftest import GATEWAY_KEY

ROOT = Path(__file__).resolve().parents[2]


def _content(person) -> messaging.Content:
    return messaging.Content(f"Đợt thi mở — {person.full_name}", f"Xin chào {person.full_name}, mời bạn dự thi.",
                             {"name": person.full_name})


def _configure(monkeypatch, app, *settings: dict) -> None:
    for group in settings:
        for key, value in group.items():
            monkeypatch.setitem(app.config, key, value)


def _rows() -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_email_goes_through_smtp_with_starttls_and_the_login_from_the_environment(
    ctx, make_user, smtp_server, monkeypatch
):
    handler, settings = smtp_server
    _configure(monkeypatch, ctx, settings)
    person = db.session.get(User, make_user(full_name="Nguyễn Thị Hương", email="huong@example.vn").id)
    messaging.enqueue("contest_round_opened", [person], _content, "round:1")
    db.session.commit()
    assert messaging.deliver_due().sent == 1
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == ["huong@example.vn"]
    mail = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == "Đợt thi mở — Nguyễn Thị Hương"
    assert mail.get_content().strip() == "Xin chào Nguyễn Thị Hương, mời bạn dự thi."
    (row,) = _rows()
    assert (row.status, row.provider_id) == ("sent", "OK queued as m1")
    assert mail["Message-ID"].startswith(f"<{row.idempotency_key}@")


def test_a_wrong_smtp_password_is_retried_not_lost(ctx, make_user, smtp_server, monkeypatch):
    _handler, settings = smtp_server
    _configure(monkeypatch, ctx, settings, {"SMTP_PASSWORD": "sai", "SMTP_TIMEOUT": 2})
    person = db.session.get(User, make_user(email="a@example.vn").id)
    messaging.enqueue("contest_round_opened", [person], _content, "round:1")
    db.session.commit()
    assert messaging.deliver_due().retried == 1
    (row,) = _rows()
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error.startswith("SMTP")


def test_sms_and_zalo_go_through_the_gateway_with_key_template_and_idempotency_key(
    ctx, make_user, sms_gateway, monkeypatch
):
    gateway, settings = sms_gateway
    _configure(monkeypatch, ctx, settings)
    sms = db.session.get(User, make_user(full_name="Trần Văn Nam").id)
    zalo = db.session.get(User, make_user(full_name="Lò Thị Dung").id)
    messaging.save_preferences(zalo.id, [], "zalo")
    messaging.enqueue("contest_round_opened", [sms, zalo], _content, "round:1")
    db.session.commit()
    assert messaging.deliver_due().sent == 2
    first, second = gateway.requests
    assert first["auth"] == f"Bearer {GATEWAY_KEY}"
    assert first["body"]["channel"] == "sms"
    assert first["body"]["to"] == sms.phone
    assert first["body"]["text"] == "Xin chào Trần Văn Nam, mời bạn dự thi."
    assert (second["body"]["channel"], second["body"]["template_id"]) == ("zalo", "ZNS-101")
    assert second["body"]["params"] == {"name": "Lò Thị Dung"}
    rows = _rows()
    assert [r.idempotency_key for r in rows] == [first["key"], second["key"]]
    assert [r.provider_id for r in rows] == ["gw-1", "gw-2"]


def test_the_gateways_answers_decide_retry_or_failure(ctx, make_user, sms_gateway, monkeypatch):
    gateway, settings = sms_gateway
    _configure(monkeypatch, ctx, settings)
    people = [db.session.get(User, make_user().id) for _i in range(2)]
    messaging.enqueue("contest_round_opened", people, _content, "round:1")
    db.session.commit()
    gateway.answers = [503, 400]
    report = messaging.deliver_due()
    assert (report.retried, report.failed) == (1, 1)
    assert [r.status for r in _rows()] == ["queued", "failed"]


def _sender_env(app, smtp_settings: dict, gateway_settings: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "REDIS", "RATELIMIT"))}
    env.update({
        "APP_CONFIG": "development", "FLASK_APP": "wsgi.py", "LOG_JSON": "false", "LOG_LEVEL": "WARNING",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "MESSAGES_TO_LOG": "false",
        "MESSAGE_RATE_LIMITS": "email=1000 per second;sms=1000 per second", "SECRET_KEY": "test",
    })
    env.update({k: str(v) for k, v in {**smtp_settings, **gateway_settings}.items()})
    return env


def _run_sender(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "notify", "send", "--no-collect", "--batch", "4"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_sender_killed_mid_batch_and_started_again_sends_each_message_exactly_once(
    app, runner, make_user, smtp_server, sms_gateway, monkeypatch
):
    """Run 1 is killed by the gateway while it handles the 3rd SMS (accepted, not yet answered);
    run 2 by the mail server right after it stored the 2nd e-mail of that run (the final dot sent,
    the answer not read). Run 3 starts once the leases have run out: the gateway recognises the
    SMS it already accepted by its idempotency key, the e-mail handed over is not sent again."""
    handler, smtp_settings = smtp_server
    gateway, gateway_settings = sms_gateway
    phones = [make_user(full_name=f"Người Nhắn Tin {i}").id for i in range(8)]
    mails = [make_user(full_name=f"Người Thư {i}", email=f"nguoi{i}@example.vn").id for i in range(8)]
    with app.app_context():
        people = [db.session.get(User, i) for i in [*phones, *mails]]
        assert messaging.enqueue("contest_round_opened", people, _content, "round:1").queued == 16
        db.session.commit()
        addresses = {p.email or p.phone for p in people}
    env = _sender_env(app, smtp_settings, gateway_settings)

    first = _run_sender(env)
    gateway.on_delivery = lambda n: n == 3 and os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=120)
    assert first.returncode == -signal.SIGKILL, first.stderr.read().decode()[-2000:]
    gateway.on_delivery = None

    second = _run_sender(env)
    handler.on_message = lambda n: n == 2 and os.kill(second.pid, signal.SIGKILL)
    second.wait(timeout=120)
    assert second.returncode == -signal.SIGKILL, second.stderr.read().decode()[-2000:]
    handler.on_message = None
    assert len(gateway.deliveries) + len(handler.messages) < 16  # killed mid-way indeed

    _configure(monkeypatch, app, smtp_settings, gateway_settings)
    with time_machine.travel(utcnow() + timedelta(seconds=app.config["MESSAGE_LEASE_SECONDS"] + 60)):
        result = runner.invoke(args=["notify", "send", "--no-collect"])
    assert result.exit_code == 0, result.output
    received = [d["to"] for d in gateway.deliveries] + [to for m in handler.messages for to in m.rcpt_tos]
    assert sorted(received) == sorted(addresses)  # everyone, once
    assert len(gateway.requests) == 9  # the 3rd SMS was asked twice, with the same key
    with app.app_context():
        statuses = [r.status for r in _rows()]
    assert statuses.count("sent") == 15
    assert statuses.count("unconfirmed") == 1
