"""The API describes itself: ``/api/v1/openapi.json`` is a valid OpenAPI 3.1 document generated from
the code, every endpoint of the API blueprint is in it, ``/api/v1/docs`` shows it as a page, and
the responses every endpoint shares (401 with ``WWW-Authenticate: Bearer``, 429 with
``Retry-After``) are what the document says."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from app.api.openapi import api_rules, openapi_document, operation_of, undocumented
from tests.api.test_api_auth import BEARER_ENDPOINTS
from tests.conftest import PASSWORD


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    OpenAPIV31SpecValidator(document).validate()


def test_every_endpoint_of_the_api_is_described(app):
    """An endpoint added to the API blueprint without ``@documented`` fails here."""
    assert undocumented(app) == []
    document = openapi_document(app)
    described = {(method, "/api/v1" + path) for path, ops in document["paths"].items() for method in ops}
    routed = {(method.lower(), re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule))
              for rule in api_rules(app) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert described == routed
    operation_ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_describing_an_endpoint_adds_no_wrapper(app):
    """``@documented`` returns the view itself: the submit endpoint pays nothing for its description."""
    from app.contests.routes import api

    view = app.view_functions["api.api_submit"]
    assert view is api.api_submit
    assert operation_of(view).operation_id == "submitAttempt"


def test_the_document_names_the_bearer_scheme_401_and_429(app):
    document = openapi_document(app)
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path in BEARER_ENDPOINTS:
        operation = document["paths"][path.removeprefix("/api/v1")][method]
        assert operation["security"] == [{"bearer": []}]
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
    for method, path in [("post", "/auth/token"), ("post", "/attempts/{attempt_id}/submit"),
                         ("post", "/contests/{slug}/rounds/{number}/attempts")]:
        assert "Retry-After" in document["paths"][path][method]["responses"]["429"]["headers"]


def test_a_refused_request_gets_429_with_retry_after_as_documented(rate_limited_app):
    """The 429 of a rate-limited endpoint has the documented ``Error`` body and ``Retry-After``."""
    import schemathesis
    from schemathesis.specs.openapi.checks import response_headers_conformance, response_schema_conformance

    limited = rate_limited_app(LOGIN_LIMIT_PER_IP="2 per minute")
    client = limited.test_client()
    for _ in range(2):
        assert client.post("/api/v1/auth/token", json={"login": "0900000000", "password": "x"}).status_code == 401
    schema = schemathesis.openapi.from_dict(openapi_document(limited))
    case = schema["/auth/token"]["POST"].Case(body={"login": "0900000000", "password": "x"})
    response = case.call_and_validate(app=limited, checks=[response_schema_conformance, response_headers_conformance])
    assert response.status_code == 429
    assert int(response.headers["retry-after"][0]) >= 1


def test_a_login_gets_a_token_and_bad_bodies_get_400(client, api_world):
    ok = client.post("/api/v1/auth/token", json={"login": api_world.login, "password": PASSWORD})
    assert ok.status_code == 201
    assert ok.get_json()["token_type"] == "Bearer"
    for body in [None, ["x"], {"login": api_world.login}, {"login": "", "password": "x"},
                 {"login": 912345678, "password": PASSWORD}, {"login": "09\x0012", "password": PASSWORD}]:
        response = client.post("/api/v1/auth/token", json=body) if body is not None else client.post(
            "/api/v1/auth/token", data="nope")
        assert response.status_code == 400, body
        assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_reference_page_shows_every_operation_from_the_app_itself(app, client, lang):
    client.post("/lang", data={"lang": lang})
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    document = openapi_document(app)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert f'id="{operation["operationId"]}"' in page
            assert f"<code class=\"api-path\">{path}</code>" in page, (method, path)
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert ("Tài liệu API" if lang == "vi" else "API reference") in page
    # Everything the page loads comes from the app itself (no CDN).
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    # The reference itself needs no script: only the site's own deferred files, nothing inline.
    scripts = re.findall(r"<script[^>]*>", page)
    assert all(re.fullmatch(r'<script src="/static/[^"]+" defer>', tag) for tag in scripts), scripts


def test_the_indicators_endpoint_is_described(app):
    operation = openapi_document(app)["paths"]["/indicators"]["get"]
    assert operation["operationId"] == "getIndicators"
    assert operation["security"] == [{"bearer": []}]
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    names = {p["name"]: p for p in operation["parameters"]}
    assert names["locality"]["required"] is True
    assert names["date"]["schema"]["format"] == "date"
