from __future__ import annotations

import pytest

from liuquan.core.testing import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Argon2 is deliberately slow; tests other than test_login's hash check use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
