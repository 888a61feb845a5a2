"""``flask reports refresh`` and ``flask competency load-framework``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from tqdm import tqdm

from app.competency import framework, indicators, reports
from app.core.extensions import db
from app.core.types import TZ

reports_cli = click.Group("reports", help="Pre-aggregated figures of the dashboards.")


@reports_cli.command("refresh")
@with_appcontext
@click.option("--full", is_flag=True, help="Recompute every unit (default: only units with new activity).")
@click.option("--warm-charts/--no-warm-charts", "warm", default=None,
              help="Draw the province and district charts into the chart cache (default: when Redis is set).")
def refresh_cmd(full: bool, warm: bool | None) -> None:
    """Recompute competency levels and the figures per locality."""
    with tqdm(unit="step", desc="reports", file=sys.stderr, disable=None) as bar:
        run = reports.refresh_reports(full=full, progress=bar.update, total=lambda n: bar.reset(total=n))
    db.session.commit()
    kind = "full" if run.full else "incremental"
    click.echo(f"Refreshed ({kind}): {run.localities} units.")
    if warm is None:
        warm = bool(current_app.config.get("REDIS_URL"))  # an in-process cache would die with this command
    if warm:
        from sqlalchemy import select

        from app.competency.routes import warm_charts
        from app.localities.models import Locality

        codes = list(db.session.scalars(select(Locality.code).where(
            Locality.depth <= 1, Locality.dissolved_on.is_(None))))
        drawn = warm_charts(current_app._get_current_object(), codes)  # type: ignore[attr-defined]
        click.echo(f"Charts drawn ahead for {len(codes)} provinces and districts: {drawn}.")


@reports_cli.command("indicators-doc")
@click.option("--output", type=click.Path(dir_okay=False), default="docs/indicators.md", show_default=True,
              help="Where to write the page ('-' for standard output).")
@click.option("--check", is_flag=True, help="Only check that the file equals the generated page.")
def indicators_doc_cmd(output: str, check: bool) -> None:
    """Write docs/indicators.md from the indicator registry (app/competency/indicators.py)."""
    text = indicators.markdown()
    if output == "-":
        click.echo(text, nl=False)
        return
    path = Path(output)
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{output} differs from the registry: run `flask reports indicators-doc`.")
        click.echo(f"{output} is up to date.")
        return
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {output} ({len(indicators.INDICATORS)} indicators).")


@reports_cli.command("tick")
@with_appcontext
def tick_cmd() -> None:
    """Bring the figures up to now (run every minute from cron): keep the figures of every day that
    ended since the last run, then recompute only the units with new events or passed due dates."""
    done = reports.tick()
    db.session.commit()
    for day in done.days:
        click.echo(f"Kept the figures of {day.isoformat()}.")
    as_of = done.run.as_of.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") if done.run.as_of else "?"
    kind = "full" if done.run.full else "incremental"
    click.echo(f"Refreshed ({kind}): {done.run.localities} units, as of {as_of} (Asia/Ho_Chi_Minh).")


competency_cli = AppGroup("competency", help="The digital competence framework.")


@competency_cli.command("load-framework")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Only check the file; install nothing.")
@click.option("--allow-unknown", is_flag=True,
              help="Install even if codes used by content or evidence are missing from the new file.")
@click.option("--target", type=click.Path(dir_okay=False), default=None,
              help="Where to install it (default: the instance folder's framework.yml).")
def load_framework_cmd(file: str, check_only: bool, allow_unknown: bool, target: str | None) -> None:
    """Check a province's own framework FILE (format of app/competency/data/framework.yml) and install it.

    Errors name the file and line; nothing is installed if there is any. Competence codes used by
    loaded lessons, lesson checks, questions or evidence that the new file lacks are listed (and
    stop the installation unless --allow-unknown). The app reads the file named by FRAMEWORK_FILE:
    set it to the installed path and restart."""
    result = framework.check_framework_file(file)
    if not result.ok:
        for error in result.errors:
            click.echo(f"  {error}", err=True)
        raise click.ClickException(f"{len(result.errors)} problems in {file}; nothing was installed.")
    fw = result.framework
    assert fw is not None  # a valid file has a framework
    competences = sum(len(a.competences) for a in fw.areas)
    click.echo(f"{file}: framework {fw.slug!r}, {len(fw.areas)} areas, {competences} competences, "
               f"levels 1–8 in {len(framework.LEVEL_GROUPS)} groups: valid.")
    unknown = framework.unknown_codes_in_use(fw)
    if unknown:
        click.echo(f"{len(unknown)} competence codes in use are not in the new framework:", err=True)
        for code, where in unknown.items():
            click.echo(f"  {code}: used by {', '.join(where)}", err=True)
    else:
        click.echo("Every competence code used by content and evidence exists in the new framework.")
    if check_only:
        click.echo("Checked only; nothing was installed.")
        return
    if unknown and not allow_unknown:
        raise click.ClickException(
            "nothing was installed: fix the content or the file, or pass --allow-unknown "
            "(evidence for unknown codes is then ignored by the levels)."
        )
    destination = Path(target) if target else Path(current_app.instance_path) / "framework.yml"
    framework.install_framework(file, destination)
    click.echo(f"Installed as {destination}.")
    configured = Path(current_app.config["FRAMEWORK_FILE"]).resolve()
    if configured == destination.resolve():
        click.echo("FRAMEWORK_FILE already names it; restart the app to use it, then run "
                   "`flask reports refresh --full`.")
    else:
        click.echo(f"To use it set FRAMEWORK_FILE={destination} (environment or .env), restart the app, "
                   "then run `flask reports refresh --full`.")
