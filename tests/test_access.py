"""Access control, walked over every route of the app.

- Anonymous visitors are sent to the login page (or get 401 from the API) everywhere except the
  public endpoints listed in tests/access_registry.py.
- Every view protected with ``role_required`` answers 403 to each role it does not admit.
- Staff holding a role over district 901 get 403/404 for objects of district 902 on every view they
  may open (the URL arguments come from ``ARG_FACTORIES``), with every method the view accepts:
  a page with a form is also posted to (question banks among them: issue 19, item 4).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.accounts.models import ROLES
from tests.access_registry import ARG_FACTORIES, OWN_ARG_ENDPOINTS, PUBLIC_ENDPOINTS

HOME = "901"
FOREIGN = "902"


@dataclass
class World:
    app: Any
    make_user: Any
    make_locality: Any
    home: str = HOME
    foreign: str = FOREIGN


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def _url(app, rule, world) -> str:
    values = {}
    for arg in rule.arguments:
        # "endpoint:argument" entries win over plain argument names shared by several areas
        factory = ARG_FACTORIES.get(f"{rule.endpoint}:{arg}") or ARG_FACTORIES.get(arg)
        assert factory is not None, (
            f"{rule.endpoint}: add an ARG_FACTORIES entry for URL argument '{arg}' in tests/access_registry.py")
        values[arg] = factory(world)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _user_for(role: str, make_user):
    if role in ("citizen", "official"):
        return make_user(kind=role, locality=HOME)
    return make_user(locality=HOME, roles={role: None if role == "admin" else HOME})


def _methods(rule) -> list[str]:
    """Every method of a view that reads or changes something: a page with a form is walked with
    GET and with POST (an out-of-scope POST must be refused too, not only the page)."""
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _request(client, method: str, url: str):
    return client.open(url, method=method, data={})


@pytest.fixture
def world(app, make_user, make_locality, tree):
    return World(app, make_user, make_locality)


def test_every_endpoint_is_public_or_requires_login(app, world):
    client = app.test_client()
    failures = []
    for rule in _rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        response = _request(client, _method(rule), _url(app, rule, world))
        location = response.headers.get("Location", "")
        if not (response.status_code == 401 or (response.status_code == 302 and "/auth/login" in location)):
            failures.append(f"{rule.endpoint} {rule.rule}: anonymous got {response.status_code} {location}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_role_protected_views_refuse_other_roles_and_foreign_objects(app, world, make_user, role):
    user = _user_for(role, make_user)
    client = app.test_client()
    assert client.post("/auth/login", data={"login": user.phone, "password": "secret-pass-1"}).status_code == 302
    failures = []
    checked = 0
    for rule in _rules(app):
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, "required_roles", None)
        if allowed is None or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _url(app, rule, world)
        for method in _methods(rule):
            response = _request(client, method, url)
            checked += 1
            if role != "admin" and role not in allowed:
                if response.status_code != 403:
                    failures.append(f"{method} {rule.endpoint} {url}: role {role} not admitted but got "
                                    f"{response.status_code}")
            elif (role != "admin" and rule.arguments and rule.endpoint not in OWN_ARG_ENDPOINTS
                  and response.status_code not in (403, 404)):
                failures.append(f"{method} {rule.endpoint} {url}: {role} of {HOME} reached a {FOREIGN} object "
                                f"({response.status_code})")
    assert checked > 0
    assert not failures, "\n".join(failures)


def test_scope_filter_limits_lists_to_the_granted_subtree(client, app, make_user, login, tree):
    manager = make_user(locality=HOME, roles={"manager": HOME})
    make_user(full_name="Người Huyện Một", locality=tree["v1"])
    make_user(full_name="Người Huyện Hai", locality=tree["v2"])
    login(manager)
    html = client.get("/admin/users").get_data(as_text=True)
    assert "Người Huyện Một" in html
    assert "Người Huyện Hai" not in html
    assert client.get(f"/admin/users?locality={tree['c2']}").status_code == 404
    assert client.get(f"/admin/localities/{tree['c2']}").status_code == 404
    assert client.get(f"/admin/localities/{tree['c1']}").status_code == 200


def test_commune_manager_never_sees_a_neighbouring_commune(client, app, make_user, login, tree):
    manager = make_user(locality=tree["c1"], roles={"manager": tree["c1"]})
    make_user(full_name="Hàng Xóm", locality=tree["v2"])
    login(manager)
    assert "Hàng Xóm" not in client.get("/admin/users?q=hang xom").get_data(as_text=True)
    assert client.get(f"/admin/localities/{tree['d1']}").status_code == 404  # above their commune
