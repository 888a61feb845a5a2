"""Reading the locality drill-down picker from a submitted form (works with and without JS)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _

from app.localities.models import Locality
from app.localities.service import picker_levels, resolve_picked


@dataclass
class PickerState:
    selected: Locality | None
    error: str | None
    drilling: bool

    def levels(self, root: Locality | None = None) -> list[dict]:
        return picker_levels(self.selected, root)


def read_picker(default: Locality | None = None, root: Locality | None = None) -> PickerState:
    """The locality chosen in the picker of the current request.

    ``drilling`` is true when the person pressed "show the units below" (no-JS drill-down): the
    form is shown again with the next level and is not saved yet.
    """
    if request.method != "POST":
        return PickerState(default, None, False)
    values = request.form.getlist("loc")
    if any(len(v) > 12 for v in values):
        return PickerState(default, _("Choose a locality from the list."), False)
    selected = resolve_picked(values)
    error = None
    if selected is None and any(v.strip() for v in values):
        error = _("Choose a locality from the list.")
    elif selected is not None and root is not None and not selected.path.startswith(root.path):
        selected, error = None, _("Choose a locality from the list.")
    return PickerState(selected, error, "drill" in request.form)
