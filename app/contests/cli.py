"""``flask contests ...``: load banks, finalize a round (or every round due), rebuild the locality
tallies and Redis boards."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.contests import attempts, boards, exchange
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
        warning = bank_service.saved_bank_warning(slug)
        if warning:
            click.echo(f"  warning: {warning}", err=True)


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


@contests_cli.command("finalize-due")
def finalize_due_cmd() -> None:
    """Finalize the rounds set to finalize by themselves whose closing time (plus the grace for late
    submits) has passed. Run it every few minutes from cron; a round is finalized once, however
    often or concurrently this runs. Publishing the results stays the organizer's act."""
    done = 0
    for round_id in contest_service.due_for_finalize():
        started = time.perf_counter()
        try:
            ranked = contest_service.finalize_if_due(round_id)
        except contest_service.ContestError as exc:
            db.session.rollback()
            click.echo(f"Round {round_id}: {exc}", err=True)
            continue
        db.session.commit()
        if ranked is not None:
            done += 1
            click.echo(f"Round {round_id}: {ranked} results ranked in {time.perf_counter() - started:.2f} s.")
    click.echo(f"{done} rounds finalized.")


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


@contests_cli.command("import-bank")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("--bank", "bank_slug", default="", help="The bank's short name (default: from the file name).")
@click.option("--format", "fmt", type=click.Choice(exchange.FORMATS), default=None,
              help="The file's format (default: from its extension).")
@click.option("--title", default="", help="The title of a new bank.")
@click.option("--competence", default="", help="Competence code of questions that name none.")
@click.option("--difficulty", type=click.IntRange(1, 3), default=1, show_default=True,
              help="Difficulty of questions that name none.")
@click.option("--skip-unsupported", is_flag=True, help="Import the rest when some questions are of types "
              "the product does not grade (essay, matching, numerical, short answer, cloze...).")
def import_bank_cmd(path: str, bank_slug: str, fmt: str | None, title: str, competence: str, difficulty: int,
                    skip_unsupported: bool) -> None:
    """Import FILE (GIFT, Moodle XML, Aiken, XLSX or CSV) into a bank; nothing is written when any
    question is malformed, or when some are of unsupported types and --skip-unsupported is not given."""
    from pathlib import Path

    if bank_slug and fmt in ("xlsx", "csv"):
        raise click.ClickException("XLSX and CSV files name their bank in the 'bank' column; drop --bank.")
    outcome = exchange.import_question_file(
        Path(path).read_bytes(), Path(path).name, None, fmt, bank_slug, title,
        exchange.ImportDefaults(competence, difficulty), skip_unsupported)
    for error in outcome.errors:
        click.echo(f"  {error}", err=True)
    for item in outcome.unsupported:
        click.echo(f"  {'skipped' if outcome.written else 'unsupported'}: line {item.line}: {item.name} "
                   f"({item.qtype})", err=True)
    if not outcome.written:
        db.session.rollback()
        if outcome.unsupported and not outcome.errors:
            raise click.ClickException(f"{len(outcome.unsupported)} questions of unsupported types; nothing was "
                                       "imported. Run again with --skip-unsupported to import the others.")
        raise click.ClickException(f"{len(outcome.errors)} problems; nothing was imported.")
    db.session.commit()
    where = f" into {outcome.bank}" if outcome.bank else ""
    click.echo(f"{outcome.questions} questions imported{where}: {outcome.created} new, {outcome.updated} updated"
               f"{f', {len(outcome.unsupported)} skipped' if outcome.unsupported else ''}.")
    for warning in outcome.warnings:
        click.echo(f"  warning: {warning}", err=True)


@contests_cli.command("export-bank")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(sorted(exchange.EXPORT_FORMATS)), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file (default: standard output).")
def export_bank_cmd(slug: str, fmt: str, output: str | None) -> None:
    """Export the bank SLUG's active questions as Moodle XML or GIFT."""
    from pathlib import Path

    from app.contests.models import QuestionBank

    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if bank is None:
        raise click.ClickException(f"No bank {slug}.")
    content, _name, _type = exchange.export_bank(bank, fmt)
    if output:
        Path(output).write_bytes(content)
        click.echo(f"{slug}: written to {output}.", err=True)
    else:
        click.echo(content.decode("utf-8"), nl=False)
