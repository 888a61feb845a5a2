"""Every form of the app, sent empty, too long and wrong, answers in Vietnamese (issue 18, item 2).

The walk opens every page (every GET endpoint; URL arguments from tests/access_registry.py) as a
visitor, a citizen and an admin, finds each form in the page's main content that has a field a person
fills in, and sends it three times: every field empty, every field far too long, every field wrong
(letters in numbers, an impossible date, an unknown choice, a file that is not what it claims). The
page that comes back (after redirects, so flashed messages too) must have no English word in its
main content, and no page may carry an attribute whose value is the text "None".
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from tests.access_registry import ARG_FACTORIES
from tests.test_access import World, _user_for

# Words of English UI text that are not Vietnamese words when written without accents
# (Vietnamese words such as "to", "an", "do", "in", "no", "can", "con", "the", "hay" are left out, and
# so is "correct": the question files' column is named so, and the import pages name it).
ENGLISH = frozenset(re.split(r"\s+", """
the this that these field fields required must should valid invalid character characters longer cannot
choice choices value values please error errors not is are be than between number numbers date dates
token missing enter password least match matches already exists unknown expired wrong too only with
your you from for and of none select submit choose register page save delete cancel search name phone
email file files here there more less long short empty allowed approved extension could coerce
failed fill before after again must check upload import problem problems line lines
""".strip()))
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
SKIP_ENDPOINTS_PREFIX = ("api.", "static")
SKIP_ACTIONS = ("/auth/logout", "/language", "/preferences")


@dataclass
class Form:
    action: str
    method: str
    fields: list[dict] = field(default_factory=list)
    enctype: str = ""


class _Page(HTMLParser):
    """The forms and the visible text inside <main>, and attributes whose value is "None"."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_main = False
        self.hidden = 0
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: dict | None = None
        self.text: list[str] = []
        self.none_attrs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.none_attrs += [f"<{tag} {k}=\"None\">" for k, v in attrs if v == "None"]
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if tag in ("script", "style", "code", "pre", "template"):
            self.hidden += 1
        if tag == "form":
            self.form = Form(a.get("action") or "", (a.get("method") or "get").lower(),
                             enctype=a.get("enctype") or "")
            self.forms.append(self.form)
        elif self.form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            entry = {"name": a["name"], "type": kind, "value": a.get("value", ""), "options": []}
            if kind in ("checkbox", "radio") and "checked" not in a:
                entry["value"] = None
            self.form.fields.append(entry)
            if tag == "select":
                self.select = entry
        elif tag == "option" and self.select is not None:
            self.select["options"].append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        if not self.in_main:
            return
        if tag in ("script", "style", "code", "pre", "template"):
            self.hidden = max(0, self.hidden - 1)
        elif tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.in_main and not self.hidden:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


KEYS = re.compile(r"'[^']*'|\b\w+\.\w+\b")  # quoted names and file keys ("check.question")


def english_words(text: str) -> list[str]:
    return sorted({w for w in WORD.findall(KEYS.sub(" ", text)) if w.lower() in ENGLISH})


FILLABLE = {"text", "password", "email", "tel", "number", "date", "search", "url", "textarea", "select",
            "file", "datetime-local", "time"}


def _values(form: Form, variant: str) -> dict:
    data: dict = {}
    for f in form.fields:
        kind, name = f["type"], f["name"]
        if kind in ("submit", "button", "image", "reset"):
            continue
        if kind in ("hidden", "checkbox", "radio"):
            if f["value"] is not None:
                data.setdefault(name, f["value"])
            continue
        if variant == "empty":
            value = ""
        elif variant == "long":
            value = "9" * 40 if kind == "number" else "Ư" * 5000
        else:  # wrong
            value = {"number": "mười", "date": "31/02/2024", "email": "khong-phai-thu", "tel": "abc",
                     "select": "999999", "url": "khong la dia chi", "datetime-local": "hôm qua",
                     "time": "25:99"}.get(kind, "<>?!")
        if kind == "file":
            value = (io.BytesIO(b"" if variant == "empty" else b"\x00\x01 not what it claims" * 100),
                     "tep.png" if variant != "empty" else "")
        data[name] = value
    return data


def _url(app, rule, world) -> str | None:
    from flask import url_for

    values = {}
    for arg in rule.arguments:
        factory = ARG_FACTORIES.get(f"{rule.endpoint}:{arg}") or ARG_FACTORIES.get(arg)
        if factory is None:
            return None
        values[arg] = factory(world)
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _pages(app, world):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint.startswith(SKIP_ENDPOINTS_PREFIX):
            continue
        url = _url(app, rule, world)
        if url is not None:
            yield rule.endpoint, url


@pytest.fixture
def world(app, make_user, make_locality, tree):
    return World(app, make_user, make_locality)


@pytest.mark.parametrize("who", ["visitor", "citizen", "admin"])
def test_every_form_answers_in_vietnamese_when_empty_too_long_or_wrong(app, world, make_user, who):
    client = app.test_client()
    if who != "visitor":
        user = _user_for(who, make_user)
        assert client.post("/auth/login", data={"login": user.phone, "password": "secret-pass-1"}).status_code == 302
    english, nones, crashes, sent = [], [], [], 0
    seen_forms: set[tuple] = set()
    for endpoint, url in _pages(app, world):
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        page = parse(response.get_data(as_text=True))
        nones += [f"{url}: {a}" for a in page.none_attrs]
        words = english_words(" ".join(page.text))
        if words:
            english.append(f"GET {url}: {words}")
        for form in page.forms:
            action = urljoin(url, form.action) if form.action else url
            if urlsplit(action).path.endswith(SKIP_ACTIONS):
                continue
            if not any(f["type"] in FILLABLE for f in form.fields):
                continue  # a confirm button: nothing to type, nothing to validate
            key = (endpoint, urlsplit(action).path, tuple(f["name"] for f in form.fields))
            if key in seen_forms:
                continue
            seen_forms.add(key)
            for variant in ("empty", "long", "wrong"):
                data = _values(form, variant)
                if form.method == "post":
                    reply = client.post(action, data=data, follow_redirects=True,
                                        content_type="multipart/form-data"
                                        if "multipart" in form.enctype else None)
                else:
                    reply = client.get(action, query_string={k: v for k, v in data.items()
                                                             if isinstance(v, str)}, follow_redirects=True)
                sent += 1
                if reply.status_code >= 500:
                    crashes.append(f"{variant} {form.method.upper()} {action}: {reply.status_code}")
                    continue
                if "text/html" not in reply.content_type:
                    continue
                answer = parse(reply.get_data(as_text=True))
                nones += [f"{action} ({variant}): {a}" for a in answer.none_attrs]
                words = english_words(" ".join(answer.text))
                if words:
                    english.append(f"{variant} {form.method.upper()} {action} (from {url}): {words}")
    assert sent > 0
    assert not crashes, "\n".join(crashes)
    assert not nones, "attributes rendered as \"None\":\n" + "\n".join(sorted(set(nones))[:30])
    assert not english, f"English words in the Vietnamese UI ({who}):\n" + "\n".join(english[:60])


def test_the_english_detector_finds_the_wtforms_default_message():
    assert english_words("Ô này bắt buộc phải điền. This field is required.") == ["This", "field", "is",
                                                                                   "required"]
    assert english_words("Đăng ký khai sinh cho con tại xã, do UBND cấp") == []
    assert english_words("thiếu check.question; cột 'name'") == []
