"""``flask contests ...``: load banks, finalize a round, rebuild the locality tallies and Redis boards."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.contests import attempts, boards
from app.contests import banks as bank_service
from app.contests import service as contest_service
from app.contests.models import ContestRound
from app.core.extensions import db

contests_cli = AppGroup("contests", help="Quiz contests.")


def _round(ref: str) -> ContestRound:
    """A round named by its id or by ``<contest slug>/<round number>``."""
    if ref.isdigit():
        round_ = db.session.get(ContestRound, int(ref))
    else:
        slug, _sep, number = ref.partition("/")
        contest = contest_service.get_contest(slug)
        round_ = contest_service.get_round(contest, int(number)) if contest and number.isdigit() else None
    if round_ is None:
        raise click.ClickException(f"No round {ref} (give its id or <contest-slug>/<number>).")
    return round_


@contests_cli.command("load-banks")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None)
def load_banks_cmd(directory: str | None) -> None:
    """Validate every quizzes/*.yml, then load them all (nothing is written if one is wrong)."""
    try:
        result = bank_service.load_bank_files(Path(directory) if directory else None)
    except bank_service.BankError as exc:
        for error in exc.errors:
            click.echo(f"  {error}", err=True)
        raise click.ClickException(f"{len(exc.errors)} problems; nothing was loaded.") from exc
    db.session.commit()
    for slug, (created, updated) in result.items():
        click.echo(f"{slug}: {created} new, {updated} updated")


@contests_cli.command("finalize")
@click.argument("round_ref", metavar="ROUND")
def finalize_cmd(round_ref: str) -> None:
    """Compute ROUND's final ranking (every criterion), freeze it and mark the winners."""
    round_ = _round(round_ref)
    started = time.perf_counter()
    try:
        ranked = contest_service.finalize_round(round_)
    except contest_service.ContestError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Round {round_.id}: {ranked} results ranked in {time.perf_counter() - started:.2f} s.")


@contests_cli.command("expire-overdue")
@click.argument("round_ref", metavar="[ROUND]", required=False)
@click.option("--batch", default=500, show_default=True, help="Attempts closed per transaction.")
def expire_overdue_cmd(round_ref: str | None, batch: int) -> None:
    """Close the attempts whose time ran out (graded with what was saved) in every unfinalized
    round, or ROUND. Run it every few minutes from cron while rounds are open: abandoned attempts
    then never pile up until finalize, and the live counters do not count them as in progress."""
    rounds = (
        [_round(round_ref)]
        if round_ref
        else list(db.session.scalars(select(ContestRound).where(ContestRound.finalized_at.is_(None))))
    )
    started, total = time.perf_counter(), 0
    for round_ in rounds:
        while closed := attempts.expire_overdue(round_, limit=max(batch, 1)):
            db.session.commit()
            total += closed
    click.echo(f"{len(rounds)} rounds: {total} overdue attempts closed in {time.perf_counter() - started:.2f} s.")


@contests_cli.command("rebuild-boards")
@click.argument("round_ref", metavar="[ROUND]", required=False)
def rebuild_cmd(round_ref: str | None) -> None:
    """Rebuild the locality tallies and the Redis live boards from SQL (every unfinalized round,
    or ROUND); without REDIS_URL only the tallies."""
    rounds = (
        [_round(round_ref)]
        if round_ref
        else list(db.session.scalars(select(ContestRound).where(ContestRound.finalized_at.is_(None))))
    )
    count = boards.rebuild_boards(rounds)
    db.session.commit()
    where = "Redis" if boards.get_board().name == "redis" else "none: REDIS_URL is not set"
    click.echo(f"{len(rounds)} rounds: locality tallies rebuilt; live-board entries written ({where}): {count}.")
