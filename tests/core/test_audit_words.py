"""The audit is read by people (issue 16 item 6): every action the code records has its words."""
from __future__ import annotations

import ast
from pathlib import Path

from app.core import audit

APP = Path(__file__).resolve().parents[2] / "app"


def recorded_actions() -> dict[str, str]:
    """Every action name written literally in an ``audit.record(actor, "<action>", ...)`` call
    (both branches of a conditional), with where it is recorded."""
    found: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and len(node.args) >= 2:
                arg = node.args[1]
                names = [arg] if isinstance(arg, ast.Constant) else (
                    [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [])
                for name in names:
                    if isinstance(name, ast.Constant) and isinstance(name.value, str):
                        found.setdefault(name.value, f"{path.relative_to(APP.parent)}:{node.lineno}")
    return found


def test_every_recorded_action_reads_in_words(app):
    actions = recorded_actions()
    assert "round.publish_results" in actions  # the scan finds conditional names too
    missing = {name: where for name, where in actions.items() if name not in audit.ACTIONS}
    assert not missing, f"register words for these actions (audit.register_action): {missing}"


def test_audit_events_older_than_the_retention_period_are_pruned(app, runner):
    """The privacy notice states how long the audit is kept; ``flask audit prune`` keeps that word."""
    from datetime import timedelta

    from sqlalchemy import select

    from app.core.extensions import db
    from app.core.models import AuditEvent
    from app.core.types import utcnow

    days = app.config["AUDIT_RETENTION_DAYS"]
    with app.app_context():
        old = audit.record(None, "grant_role", "user", 1)
        old.at = utcnow() - timedelta(days=days + 1)
        audit.record(None, "revoke_role", "user", 1)
        db.session.commit()
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 audit events" in result.output
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action)).all() == ["revoke_role"]


def test_the_privacy_notice_states_how_long_the_audit_is_kept(client, app):
    html = client.get("/auth/register").get_data(as_text=True)
    assert f"{app.config['AUDIT_RETENTION_DAYS'] // 365} năm" in html
