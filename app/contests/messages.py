"""Messages of contests, through the outbox (``app.core.messaging``): a round opening, to the
contest's registered participants; results published, to the round's participants (their rank) and
winners (their prize and certificate). Each is one campaign, enqueued once by ``collect`` (run by
``flask notify send``), so a person is told once however often it runs."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from app.accounts.models import User
from app.contests.models import ContestBestResult, ContestEntry, ContestFinalRank, ContestRound
from app.contests.results import round_label
from app.core import messaging
from app.core.extensions import db
from app.core.models import MessageCampaign
from app.core.templating import local_dt
from app.localities.models import Locality

R = ContestBestResult
F = ContestFinalRank


def _people(query) -> list:
    """Rows with what the outbox needs of a person (id, email, phone, locale) plus extras."""
    return list(db.session.execute(query).all())


def enqueue_round_opened(round_: ContestRound) -> int:
    """Tell every registered (non-voided) participant of the contest that the round is open."""
    contest = round_.contest
    key = f"round:{round_.id}:opened"
    campaign = messaging.campaign(key, "contest_round_opened", round_label(round_), contest.eligibility_id)
    people = _people(
        select(User.id, User.email, User.phone, User.locale, ContestEntry.full_name)
        .join(ContestEntry, ContestEntry.user_id == User.id)
        .where(ContestEntry.contest_id == contest.id, ContestEntry.voided_at.is_(None), User.active)
    )
    link = messaging.public_url("contests.round_page", slug=contest.slug, number=round_.number)

    def render(person) -> messaging.Content:
        closes = local_dt(round_.closes_at)
        return messaging.Content(
            _("Round %(n)s of %(contest)s is open", n=round_.number, contest=contest.title),
            _("Hello %(name)s, round %(n)s of \"%(contest)s\" is open until %(closes)s (Vietnam time). "
              "Take part: %(link)s", name=person.full_name, n=round_.number, contest=contest.title,
              closes=closes, link=link),
            {"name": person.full_name, "contest": contest.title, "round": round_.number, "closes": closes,
             "link": link},
        )

    return messaging.enqueue("contest_round_opened", people, render, key, campaign).queued


def enqueue_results(round_: ContestRound) -> int:
    """Tell each participant of a published round their final rank, and each winner their prize."""
    contest = round_.contest
    key = f"round:{round_.id}:results"
    campaign = messaging.campaign(key, "contest_results", round_label(round_), contest.eligibility_id)
    people = _people(
        select(User.id, User.email, User.phone, User.locale, ContestEntry.full_name, F.final_rank, F.prize)
        .join(R, R.user_id == User.id)
        .join(F, and_(F.round_id == R.round_id, F.user_id == R.user_id))
        .join(ContestEntry, ContestEntry.id == R.entry_id)
        .where(R.round_id == round_.id, R.voided.is_(False), User.active)
    )
    link = messaging.public_url("contests.results_page", slug=contest.slug, number=round_.number)

    def render(person) -> messaging.Content:
        subject = _("Results of round %(n)s of %(contest)s", n=round_.number, contest=contest.title)
        params = {"name": person.full_name, "contest": contest.title, "round": round_.number,
                  "rank": person.final_rank, "prize": person.prize or "", "link": link}
        if person.prize:
            body = _("Congratulations %(name)s: you won %(prize)s in round %(n)s of \"%(contest)s\" (rank "
                     "%(rank)s). Your certificate and the results: %(link)s", name=person.full_name,
                     prize=person.prize, n=round_.number, contest=contest.title, rank=person.final_rank,
                     link=link)
        else:
            body = _("Hello %(name)s, the results of round %(n)s of \"%(contest)s\" are published: your "
                     "final rank is %(rank)s. Results: %(link)s", name=person.full_name, n=round_.number,
                     contest=contest.title, rank=person.final_rank, link=link)
        return messaging.Content(subject, body, params)

    return messaging.enqueue("contest_results", people, render, key, campaign).queued


def collect(now: datetime) -> int:
    """Enqueue the campaigns that became due: rounds open now that were not announced, and
    published results not yet told (each campaign once)."""
    total = 0
    open_rounds = db.session.scalars(
        select(ContestRound).where(ContestRound.opens_at <= now, ContestRound.closes_at > now)
    ).all()
    for round_ in open_rounds:
        if round_.contest.published and not messaging.campaign_exists(f"round:{round_.id}:opened"):
            total += enqueue_round_opened(round_)
    published = db.session.scalars(
        select(ContestRound).where(ContestRound.results_published_at.is_not(None))
    ).all()
    for round_ in published:
        if not messaging.campaign_exists(f"round:{round_.id}:results"):
            total += enqueue_results(round_)
    return total


def campaigns_in_scope(where, include_unplaced: bool = False) -> list[MessageCampaign]:
    """The newest campaigns of the areas satisfying ``where`` (a scope_filter on ``Locality.path``);
    campaigns of no area (a managers' digest) only with ``include_unplaced`` (administrators)."""
    condition = or_(MessageCampaign.locality_id.is_(None), where) if include_unplaced else where
    return list(db.session.scalars(
        select(MessageCampaign).outerjoin(Locality, Locality.id == MessageCampaign.locality_id)
        .where(condition).order_by(MessageCampaign.created_at.desc(), MessageCampaign.id.desc()).limit(200)
    ))
