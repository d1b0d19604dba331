"""Helpers shared by the browser tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import translation

from liuquan.core.testing import PASSWORD
from liuquan.org.models import Person

if TYPE_CHECKING:
    from django.utils.functional import Promise
    from playwright.sync_api import Page

STEWARD = "steward"  # key of the data steward (a superuser) that the browser tests add to build_world()


def log_in(page: Page, person: Person) -> None:
    """Log in through the real login form at /login/ and wait for the console."""
    page.goto("/login/")
    page.fill("#id_username", person.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url="**/console/"):
        page.click("main form[action='/login/'] button[type=submit]")


def page_language(page: Page) -> str:
    """The Django language code of the rendered page, from <html lang>."""
    lang = page.locator("html").get_attribute("lang") or ""
    return "zh-hans" if lang.lower().startswith("zh") else lang.lower()


def as_rendered(page: Page, message: str | Promise) -> str:
    """`message` translated into the page's language, as the server rendered it.

    The test and the live server share one process and one catalogue, so this holds whether or
    not a Chinese translation of the label exists yet.
    """
    with translation.override(page_language(page)):
        return str(translation.gettext(message) if isinstance(message, str) else message)
