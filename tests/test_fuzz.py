"""The API against its own OpenAPI document, fuzzed by schemathesis: every answer's status is one the
document states, none is a server error, and every body matches its documented schema. It runs once as a
visitor and once with a data steward's token, so the operations behind a login are reached too.

A small number of examples per operation keeps it inside CI's time; `LIUQUAN_FUZZ_EXAMPLES` runs more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from liuquan.core.testing import build_world
from liuquan.org import actions as org_actions
from liuquan.wsgi import application

# Ingest lines are text, one JSON object a line.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
EXAMPLES = int(os.environ.get("LIUQUAN_FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request (Django's test client
    disconnects that): the test's own connection, inside its transaction, must survive the requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def steward_token(db) -> str:
    world = build_world()
    _, raw = org_actions.do_create_api_token(actor=world.system, person=world.system, label="fuzz")
    return raw


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is a failure everywhere
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_the_api_keeps_its_contract_for_a_visitor(case):
    response = case.call()
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract_for_a_data_steward(case, steward_token):
    response = case.call(headers={"Authorization": f"Bearer {steward_token}"})
    case.validate_response(response, checks=CHECKS)
