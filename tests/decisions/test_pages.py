"""The public side of 三重一大: a unit's catalogue in force and its register's public part, on the portal
and in the API; the deliberation and personnel details never."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client

from liuquan.decisions import actions
from liuquan.decisions.rules import Choice
from tests.decisions.conftest import BODY, MEMBERS, TUESDAY, personnel_topic
from tests.decisions.factory import record_a_meeting


def test_the_portal_shows_the_catalogue_and_the_decisions_public_part(board):
    meeting = record_a_meeting(board.system, board.dept_b, TUESDAY + dt.timedelta(hours=1))
    page = Client().get(f"/decisions/{board.dept_b.code}/").content.decode()
    assert "重大事项目录" in page and "50万元以上资金使用" in page and "超过半数" in page
    assert "审议通过困难群众临时救助实施办法" in page and "通过" in page
    # The deliberation is not public: statements, reasons, the recusal's reason, the apology.
    for secret in ("近亲属参与起草", "草案经合法性审查", "出差，书面意见", "办法草案及起草说明"):
        assert secret not in page
    answer = json.loads(Client().get(f"/api/v1/public/decisions/{board.dept_b.code}").content)
    assert answer["catalogue"]["version"] == 1 and len(answer["catalogue"]["matters"]) == 4
    [decision] = answer["decisions"]
    assert decision["outcome"] == "passed" and decision["number"].startswith(board.dept_b.code)
    assert meeting.status == "closed"


def test_a_personnel_decision_publishes_no_names(board):
    personnel = personnel_topic(board, "任命张某某为办公室主任", summary="任命张某某为办公室主任")
    meeting = actions.do_convene(
        actor=board.person("clerk"), unit=board.dept_a, body=BODY, held_at=TUESDAY, topics=[personnel]
    )
    item = meeting.items.get()
    for key in MEMBERS:
        actions.do_sign_in(actor=board.person("clerk"), meeting=meeting, person=board.person(key))
    for key in (*MEMBERS[1:], "head"):
        actions.do_state(
            actor=board.person("clerk"),
            item=item,
            person=board.person(key),
            position=Choice.AGREE,
            reasons="同意",
        )
    for key in MEMBERS:
        actions.do_vote(actor=board.person(key), item=item, voter=board.person(key), choice=Choice.AGREE)
    actions.do_count(actor=board.person("clerk"), item=item)
    page = Client().get(f"/decisions/{board.dept_a.code}/").content.decode()
    assert "重要人事任免" in page and "张某某" not in page
