"""API authentication: `Authorization: Bearer lq_…` for machine clients, the session for the browser."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from liuquan.org.actions import token_digest, touch_api_token
from liuquan.org.models import ApiToken, Person


def person_from_bearer(token: str) -> Person | None:
    """The person a bearer token acts as, while the token is neither revoked nor lapsed."""
    row = (
        ApiToken.objects.select_related("person")
        .filter(digest=token_digest(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.person.is_active or row.lapses_at <= timezone.now():
        return None
    touch_api_token(row)
    return row.person


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Person | None:
        person = person_from_bearer(token)
        if person is not None:
            request.user = person
        return person


class Session(SessionAuth):
    """The browser session; django-ninja enforces CSRF on unsafe methods for it."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [BearerToken(), Session()]


def optional_person(request: HttpRequest) -> Person | None:
    """For public endpoints: who is asking, if anyone (to tailor, never to widen, a public answer)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return person_from_bearer(header[7:].strip())
    user = getattr(request, "user", AnonymousUser())
    return user if isinstance(user, Person) and user.is_active else None
