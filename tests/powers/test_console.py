"""The console's list pages: import with a preview before anything is written, review rounds,
dispositions, and who may see and do what."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from liuquan.core.models import AccessLog
from liuquan.core.testing import login
from liuquan.ledger.models import Entry
from liuquan.powers import actions
from liuquan.powers.models import Disposition, ListEdition, PowerItem, ReviewComment
from tests.powers.test_import import GOOD, workbook
from tests.powers.test_lists import item

BAD_ROW = ["3", "某事项", "", "不知道什么类", "", "", "", "", "", "", "", "", "", ""]


@pytest.fixture(autouse=True)
def _var(settings, tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    settings.VAR_DIR = tmp_path / "var"


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


def counts() -> tuple[int, int, int]:
    return ListEdition.objects.count(), PowerItem.objects.count(), Entry.objects.count()


def staged_dirs(settings) -> list[Path]:
    root = Path(settings.VAR_DIR) / "imports"
    return [p for p in root.glob("*/*") if p.is_dir()] if root.exists() else []


def test_an_upload_is_previewed_and_written_only_when_confirmed(world, tmp_path, settings):
    unit = world.dept_a
    book = workbook(tmp_path / "民政局.xlsx", [*GOOD, BAD_ROW])
    client = login(Client(), world.person("clerk"))
    before = counts()

    page = client.post(reverse("console:import_lists", args=[unit.code]), {"files": [upload(book)]})

    assert page.status_code == 200
    text = page.content.decode()
    assert "社会团体成立登记" in text and "对违法殡葬行为的处罚" in text
    assert 'data-testid="rejected"' in text and "不知道什么类" in text
    assert counts() == before  # the preview writes nothing
    token = page.context["token"]
    assert page.context["valid"] == 2 and page.context["rejected_count"] >= 1

    done = client.post(reverse("console:confirm_import", args=[unit.code]), {"token": token, "confirm": "1"})

    edition = ListEdition.objects.get(unit=unit)
    assert done.status_code == 302 and done["Location"].endswith(f"/lists/{unit.code}/{edition.number}/")
    assert set(PowerItem.objects.filter(edition=edition).values_list("name", flat=True)) == {
        "社会团体成立登记",
        "对违法殡葬行为的处罚",
    }
    assert staged_dirs(settings) == []  # the scratch copy is gone
    again = client.post(reverse("console:confirm_import", args=[unit.code]), {"token": token, "confirm": "1"})
    assert again.status_code == 302 and PowerItem.objects.filter(edition=edition).count() == 2


def test_a_strict_preview_with_rejected_rows_cannot_be_committed(world, tmp_path):
    book = workbook(tmp_path / "a.xlsx", [*GOOD, BAD_ROW])
    client = login(Client(), world.person("clerk"))
    url = reverse("console:import_lists", args=[world.dept_a.code])
    page = client.post(url, {"files": [upload(book)], "strict": "1"})
    assert page.context["may_commit"] is False
    assert 'name="confirm"' not in page.content.decode()
    before = counts()
    refused = client.post(
        reverse("console:confirm_import", args=[world.dept_a.code]),
        {"token": page.context["token"], "strict": "1", "confirm": "1"},
        follow=True,
    )
    assert counts() == before
    assert "严格" in refused.content.decode() or "Strict" in refused.content.decode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("renamed.xls", b"PK\x03\x04 this is a word document really"),
        ("empty.xlsx", b""),
        ("notes.docx", b"PK\x03\x04"),
    ],
)
def test_bad_uploads_get_a_clear_error_and_change_nothing(world, settings, name, data):
    client = login(Client(), world.person("clerk"))
    before = counts()
    page = client.post(
        reverse("console:import_lists", args=[world.dept_a.code]),
        {"files": [SimpleUploadedFile(name, data)]},
    )
    assert page.status_code == 422
    assert 'data-testid="import-error"' in page.content.decode()
    assert name in page.context["error"]
    assert counts() == before
    assert staged_dirs(settings) == []


def test_a_file_without_a_header_is_refused_in_the_preview(world, tmp_path):
    path = tmp_path / "noheader.xlsx"
    workbook(path, [["甲", "乙"]], title="说明")
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]

    book = Workbook()
    book.active.append(["这不是清单"])
    book.save(path)
    client = login(Client(), world.person("clerk"))
    before = counts()
    page = client.post(reverse("console:import_lists", args=[world.dept_a.code]), {"files": [upload(path)]})
    assert counts() == before
    assert page.status_code in (200, 422)
    if page.status_code == 200:  # readable but nothing importable: no commit button
        assert page.context["may_commit"] is False


def test_only_the_units_compilers_may_import(world, tmp_path):
    book = workbook(tmp_path / "a.xlsx", GOOD)
    client = login(Client(), world.person("clerk_b"))
    page = client.post(reverse("console:import_lists", args=[world.dept_a.code]), {"files": [upload(book)]})
    assert page.status_code == 403
    assert Client().get(reverse("console:import_lists", args=[world.dept_a.code])).status_code == 302


def test_a_token_is_the_uploaders_own(world, tmp_path):
    book = workbook(tmp_path / "a.xlsx", GOOD)
    page = login(Client(), world.person("clerk")).post(
        reverse("console:import_lists", args=[world.dept_a.code]), {"files": [upload(book)]}
    )
    other = login(Client(), world.person("reform_office"))
    before = counts()
    answer = other.post(
        reverse("console:confirm_import", args=[world.dept_a.code]),
        {"token": page.context["token"], "confirm": "1"},
        follow=True,
    )
    assert counts() == before
    assert "重新上传" in answer.content.decode() or "upload them again" in answer.content.decode()


def _edition_in_review(world) -> ListEdition:
    clerk = world.person("clerk")
    edition = actions.do_create_edition(actor=clerk, unit=world.dept_a)
    actions.do_add_items(actor=clerk, edition=edition, items=[item("A1"), item("A2"), item("A3")])
    actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    return edition


def test_the_reform_office_reviews_and_decides_in_the_console(world):
    edition = _edition_in_review(world)
    office = login(Client(), world.person("reform_office"))
    base = f"/console/lists/{world.dept_a.code}/{edition.number}/"

    page = office.get(base)
    assert page.status_code == 200 and "一审通过" in page.content.decode()
    office.post(base + "move/", {"move": "pass_first", "comment": "一审：依据已核对"})
    edition.refresh_from_db()
    assert edition.status == "second_review"

    missing = office.post(base + "items/A1/", {"kind": "withdraw", "reason": "无上位法依据"})
    assert missing.status_code == 422 and "withdraw_cause" in missing.content.decode()
    ok = office.post(
        base + "items/A1/", {"kind": "withdraw", "reason": "无上位法依据", "withdraw_cause": "no_legal_basis"}
    )
    assert ok.status_code == 302
    assert Disposition.objects.get(item__edition=edition, item__code="A1").kind == "withdraw"

    refused = office.post(base + "move/", {"move": "confirm"}, follow=True)
    assert "A2" in refused.content.decode()  # undecided items are named
    office.post(base + "remaining/", {"kind": "keep", "reason": "依据充分，予以保留"})
    office.post(base + "move/", {"move": "confirm"})
    office.post(base + "move/", {"move": "publish"})
    edition.refresh_from_db()
    assert edition.status == "published"
    page = office.get(base)
    assert "撤下" in page.content.decode() and "无上位法依据" in page.content.decode()


def test_a_clerk_cannot_decide_and_a_return_needs_a_comment(world):
    edition = _edition_in_review(world)
    base = f"/console/lists/{world.dept_a.code}/{edition.number}/"
    clerk = login(Client(), world.person("clerk"))
    page = clerk.get(base + "items/A1/")
    assert 'data-testid="decide-form"' not in page.content.decode()
    answer = clerk.post(base + "items/A1/", {"kind": "keep", "reason": "保留"})
    assert answer.status_code == 422 and not Disposition.objects.exists()
    office = login(Client(), world.person("reform_office"))
    returned = office.post(base + "move/", {"move": "return", "comment": ""}, follow=True)
    assert (
        "退回须写明审核意见" in returned.content.decode()
        or "A return needs a comment" in returned.content.decode()
    )
    clerk.post(base + "comment/", {"text": "已按意见补充依据", "item": "A2"})
    assert ReviewComment.objects.get(item__code="A2").text == "已按意见补充依据"


def test_drafts_are_private_to_the_unit_the_office_and_supervisors(world):
    edition = _edition_in_review(world)
    url = f"/console/lists/{world.dept_a.code}/{edition.number}/"
    assert login(Client(), world.person("clerk_b")).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    listing = login(Client(), world.person("clerk_b")).get(f"/console/lists/{world.dept_a.code}/")
    assert listing.context["editions"] == []
    before = AccessLog.objects.count()
    assert login(Client(), world.person("inspector")).get(url).status_code == 200
    assert AccessLog.objects.count() == before + 1
