"""Headers every answer carries: the Content-Security-Policy (the browser tests fail on any violation)."""

from __future__ import annotations

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
