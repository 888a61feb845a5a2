"""The organizer's audit page: who changed what, when, in words; filters; export."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.scope import role_required, scope_filter
from app.contests import audit_log
from app.contests import service as contest_service
from app.contests.bank_forms import AuditFilterForm
from app.contests.routes.organize import ROLES, bp
from app.core.exports import TableExport, export_response, person_label
from app.localities.models import Locality


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else None


def _filtered():
    form = AuditFilterForm(request.args)
    contests = contest_service.contests_in_scope(scope_filter(current_user, ROLES, Locality.path))
    form.contest.choices = [("", _("all"))] + [(str(c.id), c.title) for c in contests]
    contest_id = _int(request.args.get("contest"))
    contest = next((c for c in contests if c.id == contest_id), None)
    form.round.choices = [("", _("all"))] + [(str(r.id), _("Round %(n)s", n=r.number)) for r in
                                             (contest.rounds if contest else [])]
    round_id = _int(request.args.get("round")) if contest else None
    kind = request.args.get("kind", "")
    kinds = audit_log.kinds()
    form.kind.choices = [("", _("all"))] + kinds
    events = audit_log.entries(current_user, contest.id if contest else None, round_id,
                               _int(request.args.get("person")), kind if kind in dict(kinds) else "")
    names = audit_log.actors(events)
    form.person.choices = [("", _("all"))] + sorted(((str(i), n) for i, n in names.items()), key=lambda kv: kv[1])
    return form, events, names, contest


@bp.get("/audit")
@role_required(*ROLES)
def audit():
    form, events, names, _contest = _filtered()
    return render_template("organize/audit.html", form=form, events=events, names=names,
                           query=request.query_string.decode("ascii", "replace"))


@bp.get("/audit.<fmt>")
@role_required(*ROLES)
def audit_export(fmt: str):
    _form, events, _names, contest = _filtered()
    header, rows = audit_log.export_table(events)
    context = [(_("Contest"), contest.title)] if contest else []
    return export_response(TableExport(title=_("Audit of contests and question banks"), headers=header, rows=rows,
                                       context=context, exported_by=person_label(current_user),
                                       filename="audit"), fmt)
