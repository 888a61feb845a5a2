"""Every user-facing string has a Vietnamese and an English translation."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_string_in_the_code_is_translated(extracted, lang):
    path = ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    translated = {}
    for message in catalog:
        if message.id and message.string and "fuzzy" not in message.flags:
            key = message.id if isinstance(message.id, str) else message.id[0]
            value = message.string if isinstance(message.string, str) else message.string[0]
            translated[key] = value
    missing = sorted(extracted - set(translated))
    assert not missing, f"{len(missing)} strings lack a {lang} translation (make translations-update): {missing[:20]}"
    wrong = [k for k, v in translated.items() if set(PLACEHOLDER.findall(k)) != set(PLACEHOLDER.findall(v))]
    assert not wrong, f"placeholders differ in {lang}: {wrong[:10]}"


# --- raw strings: what a person reads goes through Babel (issue 14 item 4, issue 18 item 2) --------

APP = ROOT / "app"
_GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext"}


def _is_raw_text(node) -> bool:
    """A literal or f-string with a letter in it (not a call to gettext, not a variable)."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value)


def _is_raw_sentence(node) -> bool:
    """Raw text of more than one word: an error's other arguments are codes ("closed") or field
    names ("login")."""
    return _is_raw_text(node) and (isinstance(node, ast.JoinedStr) or " " in node.value.strip())


def _user_facing_errors() -> set[str]:
    """Exceptions of the app whose message is shown to a person: the domains' ``...Error(ValueError)``."""
    names = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(getattr(b, "id", None) == "ValueError" for b in node.bases):
                names.add(node.name)
    return names


def raw_strings(source: str, errors: set[str]) -> list[tuple[int, str]]:
    """Lines where a literal reaches a person: ``flash("...")``, ``raise XError("...")`` for a
    user-facing error, a form field's label or a validator's ``message=``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in _GETTEXT:
            continue
        if name == "flash" and node.args and _is_raw_text(node.args[0]):
            found.append((node.lineno, "flash"))
        if name in errors and any(_is_raw_sentence(a) for a in node.args):
            found.append((node.lineno, f"{name}(...)"))
        if name.endswith("Field") and name != "Field" and node.args and _is_raw_text(node.args[0]):
            found.append((node.lineno, f"{name} label"))
        for kw in node.keywords:
            if name == "Field":  # pydantic's: the API's description for developers, not a person's UI
                break
            if kw.arg in ("message", "label", "description") and _is_raw_text(kw.value):
                found.append((node.lineno, f"{name}({kw.arg}=...)"))
        if name[:1].isupper() and name in _VALIDATORS and node.args and _is_raw_text(node.args[0]):
            found.append((node.lineno, f"{name} message"))
    return found


# validators whose first argument is their message
_VALIDATORS = {"DataRequired", "InputRequired", "Email", "URL", "FileRequired"}


def test_no_raw_string_reaches_a_person_in_a_flash_an_error_or_a_form():
    errors = _user_facing_errors()
    assert {"AuthoringError", "MediaError", "AccountError"} <= errors
    problems = [f"{path.relative_to(ROOT)}:{line}: {what}"
                for path in sorted(APP.rglob("*.py"))
                for line, what in raw_strings(path.read_text(encoding="utf-8"), errors)]
    assert not problems, "wrap these in _() / _l():\n" + "\n".join(problems)


@pytest.mark.parametrize(("source", "expected"), [
    ('flash("Saved.")', "flash"),
    ('flash(f"Saved {n}.")', "flash"),
    ('raise MediaError("the file is empty")', "MediaError(...)"),
    ('name = StringField("Name")', "StringField label"),
    ('DataRequired(message="Required")', "DataRequired(message=...)"),
    ('Length(max=5, message="Too long")', "Length(message=...)"),
    ('FileRequired("Choose a file")', "FileRequired message"),
    ('raise AuthoringError("slug", "another course uses this short name")', "AuthoringError(...)"),
])
def test_the_raw_string_check_catches(source, expected):
    assert [what for _line, what in raw_strings(source, {"MediaError", "AuthoringError"})] == [expected]


def test_the_raw_string_check_lets_translated_text_through():
    source = ('flash(_("Saved."))\nraise MediaError(_("Empty."))\nname = StringField(_l("Name"))\n'
              'DataRequired(message=_l("Required"))\nflash(message)\nraise MediaError(_("Empty."), "closed")')
    assert raw_strings(source, {"MediaError"}) == []


def test_every_form_derives_from_the_translated_form():
    """WTForms' own messages are translated only through TranslatedForm's Meta."""
    import importlib
    import inspect

    from flask_wtf import FlaskForm

    from app.core.forms import TranslatedForm

    untranslated = []
    for path in APP.rglob("*forms.py"):
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__ and not issubclass(cls, TranslatedForm):
                untranslated.append(f"{module.__name__}.{name}")
    assert not untranslated, f"derive these from app.core.forms.TranslatedForm: {untranslated}"


def test_wtforms_default_messages_are_vietnamese(app):
    from wtforms import StringField
    from wtforms.validators import DataRequired, Length

    from app.core.forms import TranslatedForm

    class Sample(TranslatedForm):
        name = StringField(validators=[DataRequired(), Length(max=3)])

    with app.test_request_context("/", method="POST", data={"name": ""}):
        form = Sample()
        form.validate()
        assert form.name.errors == ["Ô này bắt buộc phải điền."]
    with app.test_request_context("/", method="POST", data={"name": "dài quá"}):
        form = Sample()
        form.validate()
        assert form.name.errors == ["Ô này không được dài quá 3 ký tự."]
