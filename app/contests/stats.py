"""Organizer figures of a round: live counters, daily tally per unit, question statistics, exports."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, distinct, func, select

from app.accounts.models import WorkplaceUnit
from app.contests import ranking
from app.contests.models import (
    ContestAttempt,
    ContestBestResult,
    ContestEntry,
    ContestFinalRank,
    ContestRound,
    Question,
)
from app.core.extensions import db
from app.core.text import mask_name
from app.localities.models import Locality

R = ContestBestResult
F = ContestFinalRank


def round_counters(round_: ContestRound) -> dict:
    """Registered people, attempts started/in progress/submitted/expired, participants, all-correct."""
    by_status = dict(
        db.session.execute(
            select(ContestAttempt.status, func.count(ContestAttempt.id))
            .where(ContestAttempt.round_id == round_.id)
            .group_by(ContestAttempt.status)
        ).tuples().all()
    )
    registered = (
        db.session.scalar(
            select(func.count(ContestEntry.id)).where(ContestEntry.contest_id == round_.contest_id)
        )
        or 0
    )
    live = (R.round_id == round_.id) & R.voided.is_(False)
    return {
        "registered": registered,
        "started": sum(by_status.values()),
        "open": by_status.get("open", 0),
        "submitted": by_status.get("submitted", 0),
        "expired": by_status.get("expired", 0),
        "participants": db.session.scalar(select(func.count(R.id)).where(live)) or 0,
        "all_correct": db.session.scalar(select(func.count(R.id)).where(live, R.all_correct)) or 0,
    }


def daily_tally(round_: ContestRound, by: str = "locality", parent: Locality | None = None) -> dict:
    """Distinct participants per day (Asia/Ho_Chi_Minh) per unit, the table organizers publish.

    ``by="locality"``: per child of ``parent`` (the contest's eligibility by default), each
    counted over its subtree; ``by="unit"``: per workplace unit. Returns ``{"days": [...],
    "rows": [{"label", "headcount", "counts": {day: n}, "total"}]}``.
    """
    from app.localities.service import subtree_clause

    base = (
        select(ContestAttempt.submitted_day, func.count(distinct(ContestAttempt.user_id)))
        .join(
            ContestEntry,
            (ContestEntry.user_id == ContestAttempt.user_id) & (ContestEntry.contest_id == round_.contest_id),
        )
        .where(
            ContestAttempt.round_id == round_.id,
            ContestAttempt.submitted_day.is_not(None),
            ContestEntry.voided_at.is_(None),
        )
    )
    rows: list[dict[str, Any]] = []
    days: set[date] = set()
    if by == "unit":
        query = (
            base.add_columns(ContestEntry.workplace_unit_id)
            .where(ContestEntry.workplace_unit_id.is_not(None))
            .group_by(ContestAttempt.submitted_day, ContestEntry.workplace_unit_id)
        )
        per_unit: dict[int, dict[date, int]] = defaultdict(dict)
        for day, n, unit_id in db.session.execute(query):
            per_unit[unit_id][day] = n
            days.add(day)
        units = (
            {
                u.id: u
                for u in db.session.scalars(select(WorkplaceUnit).where(WorkplaceUnit.id.in_(list(per_unit))))
            }
            if per_unit
            else {}
        )
        for unit_id, counts in per_unit.items():
            rows.append(
                {"label": units[unit_id].name, "code": None, "headcount": units[unit_id].headcount, "counts": counts}
            )
    else:
        parent = parent or round_.contest.eligibility
        join = base.join(Locality, Locality.id == ContestEntry.locality_id)
        for child in db.session.scalars(
            select(Locality).where(Locality.parent_id == parent.id).order_by(Locality.name)
        ):
            counts = {
                day: n
                for day, n in db.session.execute(
                    join.where(subtree_clause(Locality.path, child.path)).group_by(ContestAttempt.submitted_day)
                ).tuples()
                if day is not None
            }
            days.update(counts)
            rows.append({"label": child.label, "code": child.code, "headcount": child.headcount, "counts": counts})
    for row in rows:
        row["total"] = sum(row["counts"].values())
    rows.sort(key=lambda r: (-r["total"], r["label"]))
    return {"days": sorted(days), "rows": rows}


def question_stats(round_: ContestRound) -> list[dict]:
    """Per question drawn in the round: times shown, share answering correctly, and the
    discrimination index D = p(top 27%) − p(bottom 27%) of closed attempts ranked by score."""
    closed = list(
        db.session.execute(
            select(ContestAttempt.score, ContestAttempt.questions, ContestAttempt.answers).where(
                ContestAttempt.round_id == round_.id, ContestAttempt.status.in_(("submitted", "expired"))
            )
        )
    )
    if not closed:
        return []
    ids = {item["id"] for _s, qs, _a in closed for item in qs}
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(ids)))}
    ordered = sorted(closed, key=lambda row: row[0] or 0)
    k = max(1, round(len(ordered) * 0.27))
    bottom, top = ordered[:k], ordered[-k:]

    def correct_share(rows, qid):
        seen = [
            sorted(a.get(str(qid), [])) == sorted(questions[qid].correct)
            for _s, qs, a in rows
            if any(i["id"] == qid for i in qs)
        ]
        return (sum(seen) / len(seen)) if seen else None, len(seen)

    out = []
    for qid, question in questions.items():
        p_all, shown = correct_share(closed, qid)
        p_top, _n = correct_share(top, qid)
        p_bottom, _n = correct_share(bottom, qid)
        out.append(
            {
                "question": question,
                "shown": shown,
                "p": p_all,
                "discrimination": (p_top - p_bottom) if p_top is not None and p_bottom is not None else None,
            }
        )
    out.sort(key=lambda r: r["p"] if r["p"] is not None else 2)
    return out


def export_header() -> list[str]:
    """The columns of the participants and winners tables, in the UI's language."""
    return [_("Rank"), _("Masked name"), _("Full name"), _("Phone"), _("Group"), _("Score"), _("Time taken (s)"),
            _("Prediction"), _("Locality code"), _("Locality"), _("Workplace unit"), _("Prize"), _("Submitted at")]


def export_rows(round_: ContestRound, winners_only: bool = False) -> tuple[list[str], list[list]]:
    """Every ranked participant (or the prize winners) in ranking order, for XLSX/CSV."""
    final = round_.finalized_at is not None
    query = (
        select(R, ContestEntry, Locality, WorkplaceUnit.name, F.final_rank, F.prize)
        .join(ContestEntry, ContestEntry.id == R.entry_id)
        .join(Locality, Locality.id == R.locality_id)
        .outerjoin(WorkplaceUnit, WorkplaceUnit.id == R.workplace_unit_id)
        .where(R.round_id == round_.id, R.voided.is_(False))
    )
    if final:  # the frozen ranking (contest_final_ranks)
        query = query.join(F, and_(F.round_id == R.round_id, F.user_id == R.user_id)).order_by(
            R.grp, F.final_rank
        )
    else:
        query = query.outerjoin(F, and_(F.round_id == R.round_id, F.user_id == R.user_id)).order_by(
            R.grp, *ranking.order_by(ranking.live_criteria(round_.criteria))
        )
    if winners_only:
        query = query.where(F.prize.is_not(None))
    from app.localities.service import path_labels

    found = list(db.session.execute(query))
    places = path_labels(loc for _r, _e, loc, _u, _f, _p in found)
    groups = {"citizen": _("Citizens"), "official": _("Officials")}
    rows, position, last_grp = [], 0, None
    for res, entry, loc, unit, final_rank, prize in found:
        position = position + 1 if res.grp == last_grp else 1
        last_grp = res.grp
        rows.append(
            [
                final_rank or position,
                mask_name(entry.full_name),
                entry.full_name,
                entry.phone or "",
                groups.get(res.grp, res.grp),
                res.score,
                round(res.duration_ms / 1000, 1),
                "" if res.prediction is None else res.prediction,
                loc.code,
                places[loc.id],
                unit or "",
                prize or "",
                res.submitted_at,  # the export writer shows it in Asia/Ho_Chi_Minh with the offset
            ]
        )
    return export_header(), rows


def export_title(winners_only: bool) -> str:
    return _("Prize winners") if winners_only else _("Participants and results")


def daily_tally_table(round_: ContestRound, by: str = "locality") -> tuple[str, list[str], list[list]]:
    """The daily tally (``daily_tally``) as an export: title, headers, rows (one column per day,
    Asia/Ho_Chi_Minh, then the total)."""
    tally = daily_tally(round_, by)
    unit = _("Workplace unit") if by == "unit" else _("Locality")
    codes = [] if by == "unit" else [_("Locality code")]
    headers = [*codes, unit, _("Headcount"), *[day.strftime("%d/%m/%Y") for day in tally["days"]], _("Total")]
    rows = [[*([] if by == "unit" else [row["code"]]), row["label"], row["headcount"],
             *[row["counts"].get(day, 0) for day in tally["days"]], row["total"]] for row in tally["rows"]]
    title = _("Participants per day by workplace unit") if by == "unit" else _("Participants per day by locality")
    return title, headers, rows


def question_stats_table(round_: ContestRound) -> tuple[str, list[str], list[list]]:
    """The question statistics (``question_stats``) as an export: title, headers, rows."""
    headers = [_("Bank"), _("Id in the bank"), _("Question"), _("Times shown"), _("Share answered right (%)"),
               _("Discrimination index")]
    rows = [[r["question"].bank.slug, r["question"].key, r["question"].text, r["shown"],
             None if r["p"] is None else round(100 * r["p"], 1),
             None if r["discrimination"] is None else round(r["discrimination"], 2)]
            for r in question_stats(round_)]
    return _("Question statistics"), headers, rows
