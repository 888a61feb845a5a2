"""The outbox (app.core.messaging): once per reason, opt-outs except security messages, the channel
rule, leased claims, retries with back-off, permanent failures and per-channel rate limits."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
import time_machine

from app.accounts.models import User
from app.core import messaging
from app.core.channels import DeliveryError, MemoryAdapter, Receipt
from app.core.extensions import db
from app.core.models import OutboxMessage

NOW = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)


def _content(person) -> messaging.Content:
    return messaging.Content("Thông báo", f"Xin chào {person.full_name}", {"name": person.full_name})


def _rows() -> list[OutboxMessage]:
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def people(app, make_user):
    """Three people: one with an e-mail (and a phone), two with a phone only."""
    ids = [make_user(full_name="Lê Thị Mai", email="mai@example.vn").id,
           make_user(full_name="Trần Văn Nam").id, make_user(full_name="Đỗ Thị Hoa").id]
    return ids


def test_the_same_reason_queues_one_message_per_person_however_often_it_runs(ctx, people):
    users = [db.session.get(User, i) for i in people]
    first = messaging.enqueue("contest_round_opened", users, _content, "round:7")
    again = messaging.enqueue("contest_round_opened", users, _content, "round:7")
    db.session.commit()
    assert (first.queued, again.queued) == (3, 0)
    # E-mail first for whoever has one, else SMS.
    assert [(m.channel, m.address) for m in _rows()] == [
        ("email", "mai@example.vn"), ("sms", users[1].phone), ("sms", users[2].phone)]


def test_opting_out_stops_a_kind_but_never_a_password_reset(ctx, people):
    user = db.session.get(User, people[1])
    messaging.save_preferences(user.id, ["contest_round_opened", "password_reset"], None)
    db.session.commit()
    assert messaging.preferences(user.id).opted_out == ["contest_round_opened"]  # security kinds ignored
    report = messaging.enqueue("contest_round_opened", [user], _content, "round:1")
    reset = messaging.enqueue_one("password_reset", user, messaging.Content("Đặt lại", "link"), "r1")
    assert (report.queued, report.opted_out) == (0, 1)
    assert reset is not None


def test_the_preferred_channel_wins_when_configured_and_people_without_a_channel_are_counted(
    ctx, people, monkeypatch
):
    mai, nam = db.session.get(User, people[0]), db.session.get(User, people[1])
    messaging.save_preferences(mai.id, [], "zalo")
    db.session.commit()
    campaign = messaging.campaign("c:1", "contest_round_opened", "Thử", None)
    messaging.enqueue("contest_round_opened", [mai], _content, "round:1", campaign)
    assert _rows()[-1].channel == "zalo"
    for name in ("SMS_ADAPTER", "ZALO_ADAPTER"):
        monkeypatch.setitem(ctx.config, name, "")
    report = messaging.enqueue("contest_round_opened", [nam], _content, "round:2", campaign)
    assert (report.queued, report.unreachable, campaign.unreachable) == (0, 1, 1)


class Flaky:
    """An SMS adapter answering from ``plan`` (an exception or "ok") for each try."""

    plan: ClassVar[list] = []
    tries: ClassVar[list] = []

    def __init__(self, channel: str, _config=None):
        self.channel = channel

    def send(self, message, handing_over) -> Receipt:
        Flaky.tries.append(message.idempotency_key)
        step = Flaky.plan.pop(0)
        if isinstance(step, Exception):
            raise step
        return Receipt("ok-1")

    def close(self) -> None:
        """Nothing to close."""


@pytest.fixture
def flaky_sms(ctx, monkeypatch):
    monkeypatch.setitem(ctx.config, "SMS_ADAPTER", "tests.core.test_messaging:Flaky")
    monkeypatch.setitem(ctx.config, "MESSAGE_RETRY_SECONDS", 60)
    monkeypatch.setitem(ctx.config, "MESSAGE_MAX_ATTEMPTS", 3)
    # The class the app loads by name (pytest may import this file under another module name).
    adapter = importlib.import_module("tests.core.test_messaging").Flaky
    adapter.plan, adapter.tries = [], []
    return adapter


def test_a_refused_try_is_retried_after_a_growing_pause_with_the_same_idempotency_key(flaky_sms, people):
    flaky_sms.plan = [DeliveryError("gateway 503"), DeliveryError("gateway 503"), "ok"]
    with time_machine.travel(NOW, tick=False):
        messaging.enqueue("contest_round_opened", [db.session.get(User, people[1])], _content, "round:1")
        db.session.commit()
        assert messaging.deliver_due().retried == 1
        assert messaging.deliver_due().retried == 0  # not before 60 s
    with time_machine.travel(NOW + timedelta(seconds=60), tick=False):
        assert messaging.deliver_due().retried == 1
    with time_machine.travel(NOW + timedelta(seconds=60 + 119), tick=False):
        assert messaging.deliver_due().sent == 0  # the second pause is 120 s
    with time_machine.travel(NOW + timedelta(seconds=60 + 120), tick=False):
        assert messaging.deliver_due().sent == 1
    (row,) = _rows()
    assert (row.status, row.attempts, row.provider_id) == ("sent", 3, "ok-1")
    assert len(set(flaky_sms.tries)) == 1


def test_a_permanent_refusal_or_the_last_try_fails_the_message(flaky_sms, people):
    users = [db.session.get(User, i) for i in people[1:]]
    flaky_sms.plan = [DeliveryError("gateway 400: bad number", permanent=True), DeliveryError("timeout")]
    with time_machine.travel(NOW, tick=False):
        messaging.enqueue("contest_round_opened", users, _content, "round:1")
        db.session.commit()
        messaging.deliver_due()
    first, second = _rows()
    assert (first.status, first.last_error) == ("failed", "gateway 400: bad number")
    assert second.status == "queued"
    flaky_sms.plan = [DeliveryError("timeout"), DeliveryError("timeout")]
    for minutes in (10, 60):
        with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
            messaging.deliver_due()
    db.session.refresh(second)
    assert (second.status, second.attempts) == ("failed", 3)


def test_a_channels_rate_limit_leaves_the_rest_for_the_next_run(ctx, make_user, monkeypatch):
    monkeypatch.setitem(ctx.config, "MESSAGE_RATE_LIMITS", "sms=2 per minute")
    ctx.extensions.pop("message_rate_limits", None)
    users = [db.session.get(User, make_user(full_name=f"Người {i}").id) for i in range(5)]
    waits: list[float] = []
    with time_machine.travel(NOW, tick=False):
        messaging.enqueue("contest_round_opened", users, _content, "round:1")
        db.session.commit()
        report = messaging.deliver_due(sleep=waits.append)
    assert (report.sent, report.deferred) == (2, 3)
    assert waits == []  # a minute is too long to wait: the next run takes them
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        assert messaging.deliver_due(sleep=waits.append).sent == 2
    assert [m.status for m in _rows()].count("sent") == 4
    assert all(m.attempts <= 1 for m in _rows())  # a deferred message did not use up a try


def test_a_leased_message_is_not_claimed_by_another_sender_until_the_lease_runs_out(ctx, people):
    with time_machine.travel(NOW, tick=False):
        messaging.enqueue("contest_round_opened", [db.session.get(User, i) for i in people], _content, "r")
        db.session.commit()
        mine = [m.id for m in messaging.claim("sender-a", 2)]
        theirs = [m.id for m in messaging.claim("sender-b", 5)]
    assert len(mine) == 2
    assert set(mine).isdisjoint(theirs)
    assert len(theirs) == 1
    with time_machine.travel(NOW + timedelta(seconds=ctx.config["MESSAGE_LEASE_SECONDS"] + 1), tick=False):
        assert [m.id for m in messaging.claim("sender-c", 5)] == sorted([*mine, *theirs])


def test_a_password_reset_goes_through_the_outbox_at_once_and_its_link_is_not_kept(client, app, make_user):
    make_user(phone="0987654321")
    client.post("/auth/reset", data={"login": "0987654321"})
    assert "/auth/reset/" in MemoryAdapter.sent[-1].body
    with app.app_context():
        (row,) = _rows()
        assert (row.kind, row.status, row.channel, row.body) == ("password_reset", "sent", "sms", "")
