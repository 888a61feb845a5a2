"""Contest messages through the outbox: a round opening to the registered participants (once),
results to participants (their rank) and winners (their prize); organizers follow each campaign."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from app.contests.models import ContestRound
from app.core import messaging
from app.core.channels import MemoryAdapter
from app.core.extensions import db
from app.core.models import OutboxMessage
from tests.contests.conftest import NOW, right_answers


def _send(runner) -> str:
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_round_opening_is_told_once_to_each_registered_participant(app, runner, world, register):
    people = [register(name="Nguyễn Văn An"), register(name="Trần Thị Bình")]
    with app.app_context():
        messaging.save_preferences(people[1].id, ["contest_round_opened"], None)
        db.session.commit()
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        assert "0 queued" in _send(runner)  # not open yet
    with time_machine.travel(NOW, tick=False):
        assert "1 queued; 1 sent" in _send(runner)
        assert "0 queued; 0 sent" in _send(runner)
    (message,) = MemoryAdapter.sent
    assert message.address == people[0].phone
    assert "Nguyễn Văn An" in message.body
    assert "/contests/cuoc-thi/rounds/1" in message.body


def test_published_results_tell_participants_their_rank_and_winners_their_prize(
    app, runner, client, login, world, register
):
    people = [register(name=f"Phan Văn Số{i}") for i in range(4)]
    with app.app_context():
        from app.contests.attempts import start_attempt, submit_attempt

        round_ = db.session.get(ContestRound, world["round_id"])
        for i, person in enumerate(people):
            attempt = start_attempt(round_, person.id, now=NOW)
            submit_attempt(attempt, right_answers(attempt), 1, now=NOW + timedelta(seconds=60 + i))
        db.session.commit()
    with time_machine.travel(NOW + timedelta(days=8), tick=False):
        login(world["organizer"])
        client.post(f"/organize/rounds/{world['round_id']}/finalize")
        _send(runner)
        assert [m.kind for m in MemoryAdapter.sent] == []  # nothing before publication
        client.post(f"/organize/rounds/{world['round_id']}/publish")
        assert "4 queued; 4 sent" in _send(runner)
        page = client.get("/organize/messages").get_data(as_text=True)
        campaign_id = page.split('href="/organize/messages/')[1].split('"')[0]
        detail = client.get(f"/organize/messages/{campaign_id}").get_data(as_text=True)
    by_phone = {m.address: m.body for m in MemoryAdapter.sent}
    assert "Nhất" in by_phone[people[0].phone]
    assert "Chúc mừng" in by_phone[people[0].phone]
    assert "Nhì" in by_phone[people[2].phone]
    assert "hạng chung cuộc của bạn là 4" in by_phone[people[3].phone]
    assert "Cuộc thi thử — Đợt 1: Tuần 1" in page
    assert 'data-testid="sent">4<' in detail


def test_an_organizer_of_another_district_does_not_see_the_campaign(app, client, login, world, make_user):
    with app.app_context():
        from app.localities.service import get_by_code

        campaign = messaging.campaign("round:1:opened", "contest_round_opened", "Cuộc thi thử",
                                      get_by_code("901").id)
        db.session.commit()
        campaign_id = campaign.id
    login(make_user(roles={"organizer": "902"}))
    assert "Cuộc thi thử" not in client.get("/organize/messages").get_data(as_text=True)
    assert client.get(f"/organize/messages/{campaign_id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0
