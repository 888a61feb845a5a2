"""The results of a finalized round: winners, collective prizes, the list per district, the winners'
certificates and the publication of the results page.

Rules:

- **Winners** are read from the frozen final ranking (``contest_final_ranks``, written by
  ``service.finalize_round``): the people holding a prize, per group, in rank order. A voided
  participant has no final rank, so no prize.
- **Collective prizes**, as the contest's rule says (``Contest.collective_*``): workplace units of
  officials and the localities directly under the contest's area, ranked by participation rate
  (``boards.participation_rate``: participants in the round ÷ members of the unit), then by
  average score; units whose headcount is unknown have no rate and win nothing; with
  ``collective_min_rate`` only units at or above that rate (percent) are eligible. The first
  ``collective_units`` units and ``collective_localities`` localities win.
- **Certificates**: publishing issues one to each winner (``app.training.certificates``, the one
  certificate machinery). Whenever the final ranking of a published round changes (finalizing
  again, voiding a participant), ``sync_certificates`` revokes the certificate of anyone who lost
  their prize or won another one, and issues the missing ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from app.accounts.models import User, WorkplaceUnit
from app.contests import boards
from app.contests.models import ContestBestResult, ContestEntry, ContestFinalRank, ContestRound
from app.core import audit
from app.core.cache import cached
from app.core.extensions import db
from app.core.text import mask_name
from app.core.types import utcnow
from app.localities.models import Locality
from app.training import certificates

R = ContestBestResult
F = ContestFinalRank
RESULTS_CACHE_SECONDS = 30  # the public results page, per worker (the figures are final)


class ResultsError(ValueError):
    """A rule about results was broken; the message is shown to the person."""


@dataclass
class Winner:
    grp: str
    rank: int
    prize: str
    user_id: int
    full_name: str
    masked_name: str
    phone: str
    birth_year: int | None
    locality: str
    locality_code: str
    district: str
    unit: str
    score: int
    duration_ms: int


@dataclass
class CollectiveStanding:
    position: int
    name: str
    participants: int
    members: int | None
    rate: float
    avg_score: float | None


def round_label(round_: ContestRound) -> str:
    """"Cuộc thi … — Vòng 2: Tuần 2", in the default language (printed on certificates)."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        label = _("Round %(n)s", n=round_.number)
    if round_.title:
        label = f"{label}: {round_.title}"
    return f"{round_.contest.title} — {label}"


def _prize_places(round_: ContestRound) -> int:
    return sum(max(int(p.get("count", 0)), 0) for p in round_.prizes or [])


def winners(round_: ContestRound) -> list[Winner]:
    """The prize winners of a finalized round, by group then rank (empty before finalize).

    Prizes go to the first ranks only, so the primary key (round, group, rank) bounds the read."""
    places = _prize_places(round_)
    if round_.finalized_at is None or places == 0:
        return []
    district = _district_of(round_)
    rows = db.session.execute(
        select(
            F.grp, F.final_rank, F.prize, F.user_id, R.score, R.duration_ms, ContestEntry.full_name,
            ContestEntry.phone, ContestEntry.birth_year, Locality, WorkplaceUnit.name.label("unit"),
        )
        .join(R, and_(R.round_id == F.round_id, R.user_id == F.user_id))
        .join(ContestEntry, ContestEntry.id == R.entry_id)
        .join(Locality, Locality.id == R.locality_id)
        .outerjoin(WorkplaceUnit, WorkplaceUnit.id == R.workplace_unit_id)
        .where(
            F.round_id == round_.id,
            or_(*(F.grp == g for g in round_.contest.groups)),
            F.final_rank <= places,
            F.prize.is_not(None),
        )
        .order_by(F.grp, F.final_rank)
    ).all()
    return [
        Winner(
            grp=r.grp, rank=r.final_rank, prize=r.prize, user_id=r.user_id, full_name=r.full_name,
            masked_name=mask_name(r.full_name), phone=r.phone or "", birth_year=r.birth_year,
            locality=r.Locality.place_label, locality_code=r.Locality.code,
            district=district(r.Locality), unit=r.unit or "", score=r.score, duration_ms=r.duration_ms,
        )
        for r in rows
    ]


def _district_of(round_: ContestRound):
    """A function giving, for a winner's locality, the label of the unit directly under the
    contest's area that contains it (the district of a province-wide contest before the 2025
    reform, the commune after it), along the current tree."""
    top = round_.contest.eligibility
    depth = len(top.path.strip("/").split("/"))
    labels: dict[str, str] = {}

    def district(locality: Locality) -> str:
        codes = locality.path.strip("/").split("/")
        if len(codes) <= depth:
            return top.label
        code = codes[depth]
        if code not in labels:
            found = db.session.scalar(select(Locality).where(Locality.code == code))
            labels[code] = found.label if found is not None else code
        return labels[code]

    return district


def winners_by_district(round_: ContestRound) -> list[tuple[str, list[Winner]]]:
    """The winners grouped by district (see ``_district_of``), districts by name, winners by group
    and rank: the list an organizer prints for the ceremony."""
    groups: dict[str, list[Winner]] = defaultdict(list)
    for winner in winners(round_):
        groups[winner.district].append(winner)
    return sorted(groups.items())


def collective_prizes(round_: ContestRound) -> dict[str, list[CollectiveStanding]]:
    """The units and localities that win the round's collective prizes (the rule in the module
    docstring), best first: ``{"units": [...], "localities": [...]}``."""
    contest = round_.contest
    floor = contest.collective_min_rate / 100 if contest.collective_min_rate is not None else None
    units = [
        (row["unit"].name, row["participants"], row["headcount"], row["rate"], row["avg_score"])
        for row in boards.unit_board(round_, within=contest.eligibility)
    ]
    localities = [
        (row["locality"].label, row["participants"], row["headcount"], row["rate"], row["avg_score"])
        for row in boards.locality_board(round_, contest.eligibility)
    ]
    return {
        "units": _standings(units, floor, contest.collective_units),
        "localities": _standings(localities, floor, contest.collective_localities),
    }


def _standings(rows: list[tuple], floor: float | None, count: int) -> list[CollectiveStanding]:
    eligible = [r for r in rows if r[3] is not None and r[1] > 0 and (floor is None or r[3] >= floor)]
    eligible.sort(key=lambda r: (-r[3], -(r[4] or 0), r[0]))
    return [
        CollectiveStanding(i + 1, name, participants, members, rate, avg)
        for i, (name, participants, members, rate, avg) in enumerate(eligible[: max(count, 0)])
    ]


@dataclass
class RoundResults:
    """What the public results page shows (plain values, cached per worker)."""

    winners: dict[str, list[Winner]]
    collective: dict[str, list[CollectiveStanding]]
    all_correct_count: int | None
    min_rate: int | None


def public_results(round_: ContestRound) -> RoundResults:
    """The published results of a round: winners per group (masked on the page), collective
    prizes and the true all-correct count; kept per worker for ``RESULTS_CACHE_SECONDS``."""

    def load() -> RoundResults:
        by_group: dict[str, list[Winner]] = {g: [] for g in round_.contest.groups}
        for winner in winners(round_):
            by_group.setdefault(winner.grp, []).append(winner)
        return RoundResults(
            by_group, collective_prizes(round_), round_.all_correct_count, round_.contest.collective_min_rate
        )

    key = (round_.id, round_.finalized_at, round_.results_published_at)
    return cached("round_results", key, RESULTS_CACHE_SECONDS, load)


def publish_results(round_: ContestRound, actor: User | None, now: datetime | None = None) -> int:
    """Publish a finalized round's results page and issue the winners' certificates (caller
    commits); participants and winners are then told by the next ``flask notify send``. Publishing
    again keeps the first date and only brings the certificates up to date. Returns the number of
    certificates issued."""
    if round_.finalized_at is None:
        raise ResultsError(_("Compute the final ranking before publishing the results."))
    now = now or utcnow()
    first = round_.results_published_at is None
    if first:
        round_.results_published_at = now
    issued, revoked = sync_certificates(round_, now)
    from app.contests.service import round_context  # (service imports this module)

    audit.record(
        actor, "round.publish_results" if first else "round.republish_results", "contest_round", round_.id,
        context=round_context(round_), certificates_issued=issued, certificates_revoked=revoked,
    )
    return issued


def sync_certificates(round_: ContestRound, now: datetime | None = None) -> tuple[int, int]:
    """Bring the winners' certificates of a published round in line with its final ranking:
    revoke those of people who lost their prize or whose prize changed, issue the missing ones.
    Returns (issued, revoked); does nothing before publication (caller commits)."""
    if round_.results_published_at is None:
        return 0, 0
    current = {w.user_id: w for w in winners(round_)}
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        lost = _("The final ranking changed: this prize is no longer held.")
    revoked = 0
    holding: set[int] = set()
    for cert in certificates.round_certificates(round_.id):
        winner = current.get(cert.user_id)
        if winner is None or winner.prize != cert.award:
            certificates.revoke_automatically(cert, lost)
            revoked += 1
        else:
            holding.add(cert.user_id)
    subject = round_label(round_)
    for user_id, winner in current.items():
        if user_id not in holding:
            certificates.issue_award(
                user_id=user_id, contest_round_id=round_.id, full_name=winner.full_name, subject=subject,
                award=winner.prize, issuer=round_.contest.issuer, issued_at=now or utcnow(),
            )
    return len(current) - len(holding), revoked


def after_ranking_changed(round_: ContestRound) -> None:
    """Called by every change to a round's final ranking (finalize, voiding): a published round's
    certificates follow it at once; its page follows within ``RESULTS_CACHE_SECONDS``."""
    sync_certificates(round_)
