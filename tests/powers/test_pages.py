"""Public pages of published lists: list, item, search, open data."""

from __future__ import annotations

import json

import pytest

from liuquan.core.testing import assert_max_queries
from liuquan.org import demo as org_demo
from liuquan.powers import demo


@pytest.fixture
def city(db):
    org_demo.build()
    demo.build()


def test_published_lists_and_items_are_public(city, client):
    page = client.get("/powers/").content.decode()
    assert "晋中市经济和信息化委员会" in page and "晋中市国土资源局" in page
    page = client.get("/powers/140700-JXW/").content.decode()
    assert page.count('href="/powers/140700-JXW/JXW0') == 18  # only the 18 kept powers
    page = client.get("/powers/140700-GTJ/GTJ006/").content.decode()
    assert "闲置土地无偿收回" in page and "行政征收" in page
    assert "/ledger/receipt/powers.PowerItem/" in page
    assert client.get("/powers/140700-GTJ/GTJ007/").status_code == 422  # withdrawn: outside the list


def test_search_finds_two_character_words(city, client):
    with assert_max_queries(12):
        page = client.get("/powers/", {"q": "登记"}).content.decode()
    assert "社会团体成立登记" in page and "采矿权新立登记" in page
    page = client.get("/powers/", {"q": "产品质量评比"}).content.decode()  # cancelled: not found
    assert "工业企业产品质量评比" not in page


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_open_data_downloads_hold_only_kept_items(city, client, fmt):
    response = client.get(f"/powers/140700-JXW/download.{fmt}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    if fmt == "json":
        assert len(json.loads(response.content)["items"]) == 18
    if fmt == "csv":
        assert response.content.decode("utf-8-sig").count("JXW0") == 18


def test_an_item_page_quotes_the_cited_article_when_the_corpus_has_it(world, client, tmp_path):
    from liuquan.laws import actions as laws_actions
    from liuquan.powers import actions, importer
    from tests.laws import corpus_factory
    from tests.powers.test_import import GOOD, workbook

    laws_actions.do_import_corpus(actor=world.system, root=corpus_factory.build_corpus(tmp_path / "laws"))
    rows = [[*GOOD[0][:4], "【法律】《中华人民共和国行政许可法》第四十二条", *GOOD[0][5:]]]
    clerk, office = world.person("clerk"), world.person("reform_office")
    edition = importer.do_import(
        actor=clerk,
        unit=world.dept_a,
        plans=importer.plan_import([workbook(tmp_path / "a.xlsx", rows)], edition=None),
    )
    actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    actions.do_move_edition(actor=office, edition=edition, move="pass_first")
    for row in edition.items.all():
        actions.do_decide_item(actor=office, item=row, kind="keep", reason="于法有据")
    actions.do_move_edition(actor=office, edition=edition, move="confirm")
    actions.do_move_edition(actor=office, edition=edition, move="publish")
    citation = edition.items.get().citations.get()
    assert citation.outcome == "found"
    page = client.get(f"/powers/140700-MZJ/{edition.items.get().code}/").content.decode()
    assert "二十日内作出行政许可决定" in page


@pytest.mark.parametrize("text", ['"', "%", "_", "\\", "a'b", "登", "社会团体成立登记"])
def test_search_takes_any_text(city, client, text):
    response = client.get("/powers/", {"q": text})
    assert response.status_code == 200
    assert ("社会团体成立登记" in response.content.decode()) == (text in {"登", "社会团体成立登记"})
