"""View helpers every domain shares. ``import_page``: upload a CSV/XLSX file, check every row,
write everything or nothing, and show the report."""
from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.core import audit
from app.core.extensions import db
from app.core.forms import TableUploadForm
from app.core.tabular import TableError, read_table


def _upload_table(form: TableUploadForm, columns: list[str]):
    upload = form.file.data
    try:
        return read_table(upload.stream.read(), upload.filename or "", columns), None
    except TableError as exc:
        return None, str(exc)


def import_page(title: str, columns: list[str], optional: list[str], run, action: str, object_type: str,
                 template_url: str | None = None):
    """The upload → validate every row → write or report cycle shared by the import pages.

    ``run(table)`` performs the import in the current transaction and returns its ImportReport;
    nothing is committed unless every row is good.
    """
    form = TableUploadForm()
    report, error = None, None
    if form.validate_on_submit():
        table, error = _upload_table(form, columns)
        if table is not None:
            report = run(table)
            if report.ok:
                audit.record(current_user, action, object_type, None,
                             created=report.created, updated=report.updated)
                db.session.commit()
                flash(_("Import finished: %(c)s created, %(u)s updated.", c=report.created,
                        u=report.updated), "success")
            else:
                db.session.rollback()
    failed = request.method == "POST" and (error or form.errors or (report and not report.ok))
    return render_template("import.html", form=form, report=report, error=error, title=title,
                           columns=columns, optional=optional,
                           template_url=template_url), 400 if failed else 200
