"""``flask content check|load|narrate|export`` and the demo seeder that loads courses/."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.core.extensions import db
from app.learn import content
from app.learn.models import Course

content_cli = AppGroup("content", help="Lesson content files (courses/).")


def _root(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["CONTENT_DIR"])


def _fail(errors: list[content.ContentError]) -> None:
    for error in errors:
        click.echo(f"  {error}", err=True)
    raise click.ClickException(f"{len(errors)} problems; nothing was loaded.")


@content_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def check_cmd(directory: str | None) -> None:
    """Validate every course under DIRECTORY (default: CONTENT_DIR) without writing anything."""
    specs, errors = content.check_content(_root(directory))
    if errors:
        for error in errors:
            click.echo(f"  {error}", err=True)
        raise click.ClickException(f"{len(errors)} problems.")
    lessons = sum(len(s.lessons) for s in specs)
    click.echo(f"OK: {len(specs)} courses, {lessons} lessons.")


@content_cli.command("load")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def load_cmd(directory: str | None) -> None:
    """Check, then upsert every course under DIRECTORY by slug in one transaction."""
    try:
        result = content.load_content(_root(directory))
    except content.ContentInvalid as exc:
        db.session.rollback()
        _fail(exc.errors)
        return
    db.session.commit()
    click.echo(f"Loaded {result.courses} courses, {result.lessons} lessons, {result.steps} steps"
               f" ({len(result.created)} new courses).")


@content_cli.command("export")
@click.argument("course_slug")
@click.option("--to", "dest", type=click.Path(file_okay=False), default=None,
              help="Directory to write into (default: CONTENT_DIR).")
def export_cmd(course_slug: str, dest: str | None) -> None:
    """Write COURSE back to the courses/ format (so browser edits can be reviewed as files)."""
    course = db.session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None:
        raise click.ClickException(f"no course {course_slug!r}")
    path = content.export_course(course, _root(dest))
    click.echo(f"Wrote {path}")


@content_cli.command("narrate")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Regenerate narration that exists already.")
def narrate_cmd(directory: str | None, force: bool) -> None:
    """Generate Vietnamese speech (espeak-ng) for every step without an audio file."""
    from app.learn.narration import NarrationUnavailable, narrate_content

    try:
        written = narrate_content(_root(directory), force=force, progress=click.echo)
    except NarrationUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(written)} narration files written.")


def seed_demo_courses() -> None:
    """Demo seeder: load courses/ (idempotent: loading again updates in place)."""
    try:
        content.load_content(Path(current_app.config["CONTENT_DIR"]))
    except content.ContentInvalid as exc:
        raise click.ClickException("courses/ is invalid: " + "; ".join(map(str, exc.errors[:10]))) from exc
