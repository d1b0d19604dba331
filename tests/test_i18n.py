"""Translations: the Simplified Chinese catalogue is complete, compiled, current, and served by default.

The UI is Chinese unless a person switches to English (POST /i18n/setlang/). Source strings are English;
liuquan/locale/zh_Hans/LC_MESSAGES/django.po holds the Chinese and django.mo is its committed compiled form.
Refresh both with `make messages` after adding or changing a marked string.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import translation

import liuquan
from liuquan.core.testing import World
from liuquan.org.models import Unit

PACKAGE_DIR = Path(liuquan.__file__).resolve().parent
MESSAGES_DIR = PACKAGE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = MESSAGES_DIR / "django.po"
MO_PATH = MESSAGES_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")

Key = tuple[str | None, str, str]  # (msgctxt, msgid, msgid_plural)


def _key(entry: polib.POEntry | polib.MOEntry) -> Key:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _texts(entry: polib.POEntry | polib.MOEntry) -> list[str]:
    """The translation(s) of an entry: one string, or one per plural form in index order."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _po() -> polib.POFile:
    assert PO_PATH.is_file(), f"missing {PO_PATH}: run `make messages`"
    return polib.pofile(str(PO_PATH))


def _live_entries(catalogue: polib.POFile | polib.MOFile) -> list[polib.POEntry | polib.MOEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


# (a) every entry translated, none fuzzy --------------------------------------------------------------


def test_po_header_declares_simplified_chinese_with_one_plural_form() -> None:
    po = _po()
    assert po.metadata.get("Language") == "zh_Hans"
    assert po.metadata.get("Content-Type") == "text/plain; charset=UTF-8"
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy, "the header is still marked fuzzy"


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = _live_entries(_po())
    assert len(entries) > 100, "the catalogue is suspiciously small: was makemessages run?"
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    untranslated = [entry.msgid for entry in entries if not all(text.strip() for text in _texts(entry))]
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_plural_entries_have_exactly_one_form() -> None:
    plurals = [entry for entry in _live_entries(_po()) if entry.msgid_plural]
    assert plurals, "expected the unit-count strings to be plural entries"
    for entry in plurals:
        assert sorted(entry.msgstr_plural) == [0], f"{entry.msgid!r} must have only msgstr[0] (nplurals=1)"


def test_translations_keep_the_placeholders_and_are_chinese() -> None:
    for entry in _live_entries(_po()):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in _texts(entry):
            assert sorted(PLACEHOLDER.findall(text)) == expected, f"placeholders changed in {entry.msgid!r}"
            assert re.search(r"[\u4e00-\u9fff]", text), (
                f"{entry.msgid!r} is not translated into Chinese: {text!r}"
            )
            assert text != entry.msgid


def test_po_lists_exactly_the_strings_marked_in_the_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-extract from a copy of the package: a marked string missing from the .po, or a leftover, fails."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext (xgettext, msgmerge) is needed to check the catalogue against the sources")
    copy = tmp_path / "liuquan"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[copy / "locale"]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            extensions=["html", "py", "txt"],
            no_location=True,
            no_obsolete=True,
            verbosity=0,
        )
    fresh = polib.pofile(str(copy / PO_PATH.relative_to(PACKAGE_DIR)))
    extracted = {_key(entry) for entry in _live_entries(fresh)}
    committed = {_key(entry) for entry in _live_entries(_po())}
    assert not extracted - committed, (
        f"marked in the sources but not in the .po (run `make messages`): "
        f"{sorted(key[1] for key in extracted - committed)}"
    )
    assert not committed - extracted, (
        f"in the .po but no longer in the sources (run `make messages`): "
        f"{sorted(key[1] for key in committed - extracted)}"
    )


# (b) the committed .mo is the compiled .po -----------------------------------------------------------


def test_committed_mo_matches_the_po() -> None:
    assert MO_PATH.is_file(), f"missing {MO_PATH}: run `liuquan compilemessages -l zh_Hans`"
    mo = polib.mofile(str(MO_PATH))
    compiled = {_key(entry): _texts(entry) for entry in mo if entry.msgid}
    source = {_key(entry): _texts(entry) for entry in _live_entries(_po())}
    stale = "the .mo is stale: run `liuquan compilemessages -l zh_Hans`"
    missing = sorted(key[1] for key in source.keys() - compiled.keys())
    assert not missing, f"{stale}; not compiled: {missing}"
    extra = sorted(key[1] for key in compiled.keys() - source.keys())
    assert not extra, f"{stale}; no longer in the .po: {extra}"
    changed = sorted(key[1] for key in source.keys() & compiled.keys() if source[key] != compiled[key])
    assert not changed, f"{stale}; translation changed: {changed}"
    assert mo.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


def test_django_serves_every_translation_from_the_catalogue() -> None:
    with translation.override("zh-hans"):
        for entry in _live_entries(_po()):
            if entry.msgid_plural:
                for count in (1, 2, 5):
                    got = translation.ngettext(entry.msgid, entry.msgid_plural, count)
                    assert got == entry.msgstr_plural[0], entry.msgid
            elif entry.msgctxt:
                assert translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr, entry.msgid


# (c) Chinese by default, English after the switch ------------------------------------------------------


def _page(client: Client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def _switch(client: Client, language: str) -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == language


@pytest.mark.django_db
def test_home_is_chinese_without_a_language_cookie(client: Client) -> None:
    assert "django_language" not in client.cookies
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans"' in html
    assert "六权治本：让权力在阳光下运行" in html
    assert "工作人员登录" in html
    assert "Six Powers Governance: power in the sunlight" not in html
    assert "Staff login" not in html


@pytest.mark.django_db
def test_setlang_switches_to_english_and_back(client: Client) -> None:
    _switch(client, "en")
    html = _page(client)
    assert '<html lang="en"' in html
    assert "Six Powers Governance: power in the sunlight" in html
    assert "Staff login" in html
    assert "六权治本：让权力在阳光下运行" not in html

    _switch(client, "zh-hans")
    html = _page(client)
    assert '<html lang="zh-Hans"' in html
    assert "六权治本：让权力在阳光下运行" in html


def test_unit_count_uses_the_chinese_plural_form(client: Client, world: World) -> None:
    count = Unit.objects.count()
    assert count > 1
    assert f"共收录{count}个单位。" in _page(client)
    assert f"{count}个单位" in _page(client, "/units/")
    _switch(client, "en")
    assert f"{count} units are listed." in _page(client)


def test_choice_labels_are_translated_on_the_public_pages(client: Client, world: World) -> None:
    html = _page(client, f"/units/{world.dept_a.code}/")
    assert "政府工作部门" in html  # UnitKind.GOVERNMENT_DEPARTMENT
    assert "Government department" not in html
