"""Accounts: Argon2, login and logout, throttling, session cookie settings."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.test import Client

from liuquan.core.testing import PASSWORD
from liuquan.org import actions


def test_production_hashes_passwords_with_argon2(db, settings):
    assert django_settings.PASSWORD_HASHERS  # the autouse fixture replaced them; restore the real list
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    system = actions.system_person()
    person = actions.do_create_person(
        actor=system, username="zhao.liu", full_name="赵六", unit=None, password="a-long-enough-passphrase"
    )
    assert person.password.startswith("argon2$argon2id$")


def test_login_lands_on_the_console_and_logout_needs_post(world, client):
    response = client.post("/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and "测试clerk".encode() in page.content
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/console/").status_code == 302


def test_five_failed_logins_lock_the_account_from_that_address(world):
    client = Client()
    for _ in range(5):
        response = client.post("/login/", {"username": "clerk", "password": "wrong"})
    assert response.status_code == 429
    response = client.post("/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 429  # even the right password, until the cool-off ends
    other = client.post("/login/", {"username": "reviewer", "password": PASSWORD})
    assert other.status_code == 302  # another account from the same address is not locked


def test_session_cookie_is_http_only_and_same_site(world, client):
    response = client.post("/login/", {"username": "clerk", "password": PASSWORD})
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_login_form_requires_csrf(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 403
