"""The API's contract: OpenAPI, error shape, tokens, CSRF, /healthz, and the 分管 endpoint."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from openapi_spec_validator import validate

from liuquan.core.testing import api_json, assert_max_queries
from liuquan.org import actions
from liuquan.org.factories import UnitFactory
from liuquan.org.models import ApiToken


def test_healthz_names_the_database(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert api_json(response) == {"status": "ok", "database": connection.vendor}
    assert connection.vendor in {"sqlite", "postgresql"}


def test_openapi_document_is_valid_openapi_3(db, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = api_json(response)
    assert document["openapi"].startswith("3.")
    validate(document)
    assert "/api/v1/units/{code}/oversight" in document["paths"]


def test_refusal_has_the_error_contract(world, client):
    _, raw = actions.do_create_api_token(actor=world.system, person=world.person("head"))
    response = client.post(
        "/api/v1/units/140700-MZJ/oversight",
        {"leader": "head", "area": "财务"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422
    body = api_json(response)
    assert body["error"] == "oversight_forbidden"
    assert "五个不直接分管" in body["message"]
    assert body["detail"]["rule"] == "five_not_directly_oversee"
    assert body["detail"]["restricted_area"] == "财务"

    response = client.post(
        "/api/v1/units/140700-MZJ/oversight",
        {"leader": "head", "area": "财务", "exception_reason": "副职空缺，报纪委备案"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201
    assert api_json(response)["is_exception"] is True
    listed = client.get("/api/v1/units/140700-MZJ/oversight", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert [(row["area"], row["is_exception"]) for row in api_json(listed)] == [("财务", True)]


def test_bad_input_is_a_400_naming_the_field(world, client):
    _, raw = actions.do_create_api_token(actor=world.system, person=world.person("head"))
    response = client.post(
        "/api/v1/units/140700-MZJ/oversight",
        {"area": "财务"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 400
    body = api_json(response)
    assert body["error"] == "invalid" and "leader" in body["message"]


def test_unknown_unit_is_a_404(db, client):
    response = client.get("/api/v1/units/NOPE")
    assert response.status_code == 404
    assert api_json(response)["error"] == "not_found"


def test_revoked_and_wrong_tokens_are_refused(world, client):
    token, raw = actions.do_create_api_token(actor=world.system, person=world.person("clerk"))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}x").status_code == 401
    actions.do_revoke_api_token(actor=world.system, token=token)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert ApiToken.objects.get().digest != raw  # only the hash is stored


def test_a_token_lapses_at_its_expiry_and_an_older_token_after_the_default(world, client, clock):
    import datetime as dt

    from liuquan.core.errors import InvalidInput

    me = "/api/v1/me"
    token, raw = actions.do_create_api_token(actor=world.system, person=world.person("clerk"), days=30)
    assert token.expires_at == token.created_at + dt.timedelta(days=30)
    clock.advance(days=29, hours=23)
    assert client.get(me, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    clock.advance(hours=1)
    assert client.get(me, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    # A token issued before expiry existed (no date on its row) lapses 90 days after it was made.
    older, old_raw = actions.do_create_api_token(actor=world.system, person=world.person("clerk"))
    ApiToken.objects.filter(pk=older.pk).update(expires_at=None)
    clock.advance(days=ApiToken.DEFAULT_DAYS - 1)
    assert client.get(me, HTTP_AUTHORIZATION=f"Bearer {old_raw}").status_code == 200
    clock.advance(days=1)
    assert client.get(me, HTTP_AUTHORIZATION=f"Bearer {old_raw}").status_code == 401
    for days in (0, ApiToken.MAX_DAYS + 1):
        with pytest.raises(InvalidInput):
            actions.do_create_api_token(actor=world.system, person=world.person("clerk"), days=days)


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.person("head"))
    response = client.post(
        "/api/v1/units/140700-MZJ/oversight",
        {"leader": "deputy", "area": "办公室"},
        content_type="application/json",
    )
    assert response.status_code in {401, 403}
    client.get("/console/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/units/140700-MZJ/oversight",
        {"leader": "deputy", "area": "办公室"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 201


def test_unit_list_query_count_does_not_grow_with_units(world, client):
    with assert_max_queries(4):
        response = client.get("/api/v1/units")
    assert len(api_json(response)) == 6
    UnitFactory.create_batch(5, region=world.city)
    with assert_max_queries(4):
        response = client.get("/api/v1/units")
    assert len(api_json(response)) == 11


@pytest.mark.parametrize("url", ["/", "/units/", "/units/140700-MZJ/"])
def test_portal_pages_keep_a_bounded_query_count(world, client, url):
    with assert_max_queries(8):
        assert client.get(url).status_code == 200
