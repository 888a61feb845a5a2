"""Every form of the site fuzzed (issue 19, item 9): for each POST route of the URL map (the JSON
API has its own fuzzing from its OpenAPI document, tests/api/test_schemathesis.py), an
administrator — who passes every role check — posts hostile values (numbers in other scripts'
digits or too long for ``int()``, ids beyond the integer range, dates in year 1, control
characters, huge texts, redirects to another site...) in the form's own fields and in the common
ones. No answer may be a 5xx.

Real data is present (the contest world: a contest with an open round, its bank, an organizer, a
registered participant) so that the forms' paths lead to existing objects. Deterministic
(``derandomize``) and bounded (``FORM_FUZZ_EXAMPLES`` per route).
"""
from __future__ import annotations

import os
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from tests.contests.conftest import register, world  # noqa: F401  (fixtures used below)

EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "20"))
# Routes that end the session or its password (each example would log the fuzzer out), or
# belong to the JSON API.
SKIPPED = {"auth.logout", "auth.change_password", "auth.delete_account", "auth.reset_password"}
HOSTILE = ["²", "٣", "1" * 5000, "99999999999", "2147483648", "-1", "0", "inf", "nan", "1e400",
           "0001-01-01T00:00", "0001-01-01", "9999-12-31", "2026-13-45", "Nguyễn\x1b[31m", "a\x00b",
           "x" * 100_000, "/\t/evil.example", "//evil.example", "{{7*7}}", "<script>alert(1)</script>",
           "' OR 1=1 --", "", " ", "[1,2,3]", "a: 2026-01-31\nfields: [1]", "\u202e", "🙂" * 50]
COMMON_FIELDS = ["full_name", "login", "password", "confirm", "loc", "q", "next", "lang", "title", "slug",
                 "prizes", "opens_at", "closes_at", "due_on", "prediction", "text", "rehearsal", "phone",
                 "reason", "role", "locality_code", "eligibility", "groups", "birth_year", "action", "token"]
PATH_VALUES = {"fmt": "csv", "kind": "participants", "code": "90", "token": "x" * 20,
               "course_slug": "khoa", "lesson_slug": "bai"}
# Valid values for fields a form leaves empty, so that a hostile value in one field reaches the
# view's own work instead of stopping at another field's validation.
VALID = {"opens_at": "2026-03-04T09:00", "closes_at": "2026-03-11T09:00", "banks": "thu", "easy": "1",
         "medium": "1", "hard": "1", "time_limit": "10", "attempts_allowed": "1", "grace_seconds": "10",
         "title": "Thử", "slug": "thu-moi", "groups": "citizen", "eligibility": "90", "due_on": "2026-12-31",
         "full_name": "Nguyễn Văn Thử", "login": "0912345670", "password": "mat-khau-123",
         "confirm": "mat-khau-123", "locality_code": "90", "reason": "Lý do", "phone": "0912345670",
         "text": "Câu hỏi?", "option_a": "A", "option_b": "B", "correct": "A", "competence": "2.3",
         "difficulty": "1", "key": "k1", "name": "Thử", "minutes": "3", "competences": "2.3",
         "audience": "citizen", "status": "draft", "kind": "steps", "course_id": "1", "prizes": "Giải: 1"}


class FormFields(HTMLParser):
    """The fields of a page's forms and their current values (inputs, selected options, text areas)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.values.setdefault(name, "")
            else:
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and ("selected" in a or not self.values[self._select]):
            self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    values = {k: v for k, v in parser.values.items() if k != "csrf_token"}
    return {k: v or VALID.get(k, v) for k, v in values.items()}


def post_rules() -> list[tuple[str, str]]:
    app = create_app("test")
    rules = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()) or rule.endpoint in SKIPPED or rule.rule.startswith("/api/"):
            continue
        rules.append((rule.endpoint, rule.rule))
    return sorted(rules)


def _path(app, endpoint: str, rule: str) -> str:
    found = next(r for r in app.url_map.iter_rules(endpoint) if r.rule == rule)
    values = {}
    for name in found.arguments:
        converter = found._converters[name]  # (werkzeug keeps them per rule)
        if type(converter).__name__ in ("Int32Converter", "IntegerConverter"):
            values[name] = 1
        elif type(converter).__name__ == "AnyConverter":
            values[name] = sorted(converter.items)[0]  # e.g. <any(void, restore):action>
        elif name in PATH_VALUES:
            values[name] = PATH_VALUES[name]
        else:
            values[name] = "thu" if "bank" in endpoint else "cuoc-thi"
    return found.build(values)[1]


@pytest.mark.parametrize(("endpoint", "rule"), post_rules())
def test_no_form_answers_a_server_error_whatever_is_posted(app, client, make_user, login, world, register,  # noqa: F811
                                                            endpoint, rule):
    login(make_user(roles={"admin": None}))
    path = _path(app, endpoint, rule)
    page = client.get(path)
    base = form_values(page.get_data(as_text=True)) if page.status_code == 200 else {}
    # The form's own fields when its page shows it (hostile values where the view reads them),
    # else the common ones.
    names = sorted(set(base) - {"next", "lang", "large_text", "low_data"}) or COMMON_FIELDS
    for name in COMMON_FIELDS:
        base.setdefault(name, VALID.get(name, ""))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(data=st.data())
    def post_hostile(data):
        """The form as it is filled, with one or two of its fields hostile."""
        hostile = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True), label="fields")
        values = dict(base)
        for name in hostile:
            values[name] = data.draw(st.sampled_from(HOSTILE) | st.sampled_from(HOSTILE) | st.text(max_size=20),
                                     label=name)
        response = client.post(path, data=values)
        assert response.status_code < 500, (path, {k: values[k][:40] for k in hostile})

    post_hostile()
