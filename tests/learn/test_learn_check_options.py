"""Lesson checks: options shuffled and identified per showing; nothing on the page tells the
right one apart, and a retry after a wrong answer shows the same layout."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from app.core.extensions import db
from app.learn.progress import check_choice, check_options, find_lesson
from tests.learn.conftest import check_answer

LESSON = "/learn/tai-khoan-dich-vu-cong/tao-tai-khoan-dvc"
URL = f"{LESSON}/step/5"


class _Choices(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "choice":
            self.inputs.append(attrs)

    def handle_comment(self, data):
        self.comments.append(data)


def _showing(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The page's layout nonce and its options as (token, text) in shown order."""
    layout = re.search(r'name="layout" value="([0-9a-f]+)"', html).group(1)
    options = re.findall(r'<input type="radio" name="choice" value="([0-9a-f]+)"[^>]*>([^<]*)</label>', html)
    return layout, [(value, text.strip()) for value, text in options]


def _step(app):
    with app.app_context():
        step = find_lesson("tai-khoan-dich-vu-cong", "tao-tai-khoan-dvc").steps[4]
        db.session.expunge(step)
        return step


def test_two_showings_of_a_check_share_no_identifier_and_the_right_one_looks_like_the_others(
        client, app, shipped, make_user, login):
    login(make_user())
    step = _step(app)
    right = str(step.check["options"][step.check["answer"] - 1])
    showings = []
    for _ in range(12):
        html = client.get(URL).get_data(as_text=True)
        parser = _Choices()
        parser.feed(html)
        tokens = [i["value"] for i in parser.inputs]
        # Every option input is the same but for its token (value, and the id made of it).
        shapes = {tuple(sorted((k, (v or "").replace(i["value"], "T")) for k, v in i.items() if k != "value"))
                  for i in parser.inputs}
        assert len(shapes) == 1
        assert all(html.count(t) == 2 for t in tokens)  # value and id, for every option alike
        assert not [c for c in parser.comments if right in c or any(t in c for t in tokens)]
        showings.append(_showing(html))
    layouts = [layout for layout, _options in showings]
    assert len(set(layouts)) == len(layouts)
    tokens = [{t for t, _text in options} for _layout, options in showings]
    for i, first in enumerate(tokens):
        for second in tokens[i + 1:]:
            assert not first & second
    # The order changes between showings (the right option is not always at one place).
    assert len({[text for _t, text in options].index(right) for _l, options in showings}) > 1


def test_a_wrong_answer_shows_the_same_layout_and_the_right_token_passes(client, app, shipped, make_user, login):
    login(make_user())
    html = client.get(URL).get_data(as_text=True)
    layout, options = _showing(html)
    step = _step(app)
    right = str(step.check["options"][step.check["answer"] - 1])
    wrong_token = next(t for t, text in options if text != right)
    retry = client.post(URL, data={"layout": layout, "choice": wrong_token})
    assert retry.status_code == 422
    assert _showing(retry.get_data(as_text=True)) == (layout, options)
    assert f'value="{wrong_token}" id="choice-{wrong_token}" checked' in retry.get_data(as_text=True)
    # An authored option number, or a token of another showing, is not an answer.
    assert client.post(URL, data={"layout": layout, "choice": str(step.check["answer"])}).status_code == 422
    other = check_answer(client, app, URL, step.check["answer"])
    assert client.post(URL, data={"layout": layout, "choice": other["choice"]}).status_code == 422
    right_token = next(t for t, text in options if text == right)
    assert client.post(URL, data={"layout": layout, "choice": right_token}).status_code == 302


def test_grading_maps_tokens_back_through_one_function(app, shipped):
    step = _step(app)
    with app.test_request_context():
        shown = check_options(step, "abc")
        assert check_options(step, "abc") == shown  # the same nonce: the same showing
        assert sorted(o.text for o in shown) == sorted(map(str, step.check["options"]))
        numbers = {check_choice(step, "abc", o.value) for o in shown}
        assert numbers == set(range(1, len(shown) + 1))
        assert check_choice(step, "abc", "zz") is None
