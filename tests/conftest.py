from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings as hypothesis_settings

from liuquan.core import calendar as work_calendar
from liuquan.core.testing import World, build_world
from tests.clock import START, Clock

# The suite's holiday schedules are chinesecalendar's for 2004-2026, stated here, whatever newer version
# a fresh install brings: a test that needs a year without a schedule (2027 and later) keeps one, and an
# expectation never moves with the package. The product itself takes every year the package has.
HOLIDAY_PACKAGE_YEARS = range(2004, 2027)
work_calendar._package_years = lambda: HOLIDAY_PACKAGE_YEARS

# CI runs on two shared cores: a property that is slow on one example is not wrong, so no per-example
# deadline (the default 200 ms turns load into flaky failures).
hypothesis_settings.register_profile("liuquan", deadline=None)
hypothesis_settings.load_profile("liuquan")


@pytest.fixture(autouse=True)
def _clock() -> Iterator[Clock]:
    """Every test runs at the stated instant START (a working morning in Beijing), the clock running on
    from there; none sees the wall clock's date or hour."""
    clock = Clock()
    yield clock
    clock.stop()


@pytest.fixture
def clock(_clock: Clock) -> Clock:
    """The test's clock, stopped at START until the test sets or moves it."""
    _clock.set(START)
    return _clock


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _own_signer_memory(settings, tmp_path_factory) -> None:
    """Each test's log is its own (the database is rolled back between tests): so is the signer's memory
    of the last checkpoint it signed, which in production lives in var/ beside the signing key."""
    settings.LIUQUAN_LEDGER_MEMORY = str(tmp_path_factory.mktemp("signer") / "ledger-signed.note")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Argon2 is deliberately slow; tests other than test_login's hash check use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Each test starts with the process caches empty (the working-day calendar is trusted for a few
    seconds between checks, and a test's rolled-back calendar year must not reach the next test)."""
    from liuquan.calendars import queries as calendar_queries
    from liuquan.cases import actions as case_actions
    from liuquan.flows import models as flow_models

    calendar_queries.forget()
    case_actions._TABLES.clear()
    flow_models._DECODED.clear()
