"""What every answer carries and how refusals read: the Content-Security-Policy (the browser tests fail on
any violation), the API's JSON errors and the site's own Chinese pages for unknown addresses and stale forms."""

from __future__ import annotations

import json

from django.test import Client

from liuquan.core.middleware import CONTENT_SECURITY_POLICY


def test_every_answer_carries_the_content_security_policy(db):
    client = Client()
    for path in ("/", "/units/", "/api/v1/openapi.json", "/no-such-page/", "/api/v1/", "/healthz", "/login/"):
        response = client.get(path)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == "'self'"  # no inline script, no eval, no other origin
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


def test_unknown_addresses_answer_in_the_readers_terms(db, client):
    api = client.get("/api/v1/")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/json")
    assert json.loads(api.content)["error"] == "not_found"
    assert (
        json.loads(client.get("/api/v1/no-such-endpoint").content)["detail"]["path"]
        == "/api/v1/no-such-endpoint"
    )
    page = client.get("/no-such-page/")
    text = page.content.decode()
    assert page.status_code == 404 and "页面不存在" in text and "/no-such-page/" in text
    assert "Not Found" not in text and "The requested resource" not in text


def test_a_form_without_its_security_token_is_refused_in_chinese(world):
    from django.test import Client

    from liuquan.core.testing import PASSWORD

    client = Client(enforce_csrf_checks=True)
    refused = client.post("/login/", {"username": "clerk", "password": PASSWORD})
    text = refused.content.decode()
    assert refused.status_code == 403 and "安全校验" in text and "CSRF verification failed" not in text
