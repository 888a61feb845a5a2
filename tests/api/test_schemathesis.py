"""The API keeps to its OpenAPI document: schemathesis generates requests from the document for
every operation, valid and invalid ones, and checks each response: no 5xx, a documented status
code and content type, a body that matches the documented schema and the documented headers
(``WWW-Authenticate`` on 401, ``Retry-After`` on 429).

Real data is present (``api_world``: a contest with an open round, a participant's token and
attempt in progress, a result on the board): many cases use its real path values (the contest's
slug and round, the attempt, a locality) instead of generated ones, some its real bodies (the
participant's login, the attempt's right answers), and most carry the participant's token, so that
requests get past 401 and 404 into the endpoints' work.
Deterministic (``derandomize``) and bounded (``MAX_EXAMPLES`` per operation), on both databases.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from app.api.openapi import openapi_document
from config import TestConfig
from tests.api.conftest import ApiWorld
from tests.conftest import PASSWORD

# Cases per operation; raise it to explore further (e.g. SCHEMATHESIS_MAX_EXAMPLES=1000).
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "40"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
TOKENS = ("valid", "valid", "none", "expired", "unknown")


class _DocumentOnly(TestConfig):
    """The document depends on the code alone: an app that never connects builds it."""

    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = None


def _operations() -> list:
    """The document's operations, for the test's parameters (known when tests are collected)."""
    schema = schemathesis.openapi.from_dict(openapi_document(create_app(_DocumentOnly)))
    return [result.ok() for result in schema.get_all_operations()]


def _real_path(operation, world: ApiWorld) -> dict[str, object]:
    real = {"slug": world.slug, "number": world.number, "attempt_id": world.attempt_id, "code": world.locality}
    names = {parameter.name for parameter in operation.path_parameters}
    return {name: value for name, value in real.items() if name in names}


def _real_body(operation, world: ApiWorld) -> dict | None:
    answers = {"answers": world.answers, "prediction": 3}
    return {"POST /auth/token": {"login": world.login, "password": PASSWORD},
            "PUT /attempts/{attempt_id}/answers": answers,
            "POST /attempts/{attempt_id}/submit": answers}.get(operation.label)


def _headers(token: str, world: ApiWorld) -> dict[str, str]:
    values = {"valid": world.token, "expired": world.expired_token, "unknown": "not-a-token"}
    return {"Authorization": f"Bearer {values[token]}"} if token in values else {}


@pytest.mark.parametrize("operation", _operations(), ids=lambda operation: operation.label)
def test_every_response_matches_the_document(app, api_world, operation):
    real_path, real_body = _real_path(operation, api_world), _real_body(operation, api_world)
    cases = [operation.as_strategy(mode) for mode in GenerationMode]
    if real_path:
        cases += [operation.as_strategy(mode, path_parameters=real_path) for mode in GenerationMode]
    if real_body is not None:
        cases.append(operation.as_strategy(path_parameters=real_path, body=real_body))

    @given(case=st.one_of(cases), token=st.sampled_from(TOKENS))
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def call(case, token):
        case.call_and_validate(app=app, headers=_headers(token, api_world), checks=CHECKS)

    call()
