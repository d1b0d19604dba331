"""The meeting room through the API: refusals are 409 with the reason in Chinese and on the record."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from liuquan.core.testing import api_json
from liuquan.decisions import actions
from liuquan.decisions.models import Refusal
from liuquan.decisions.rules import Choice
from liuquan.org import actions as org_actions
from tests.decisions.conftest import MEMBERS, TUESDAY
from tests.decisions.test_actions import convene, sign_in, topic


def bearer(person):
    _, token = org_actions.do_create_api_token(actor=person, person=person, label="会议室")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_principal_first_is_refused_by_the_api_with_409_art_30_para_2(board):
    item = convene(board, topic(board)).items.get()
    sign_in(board, item.meeting, *MEMBERS)
    clerk = board.person("clerk")
    response = Client().post(
        f"/api/v1/decisions/items/{item.pk}/statements",
        {"person": board.person("head").username, "position": "agree", "reasons": "同意"},
        content_type="application/json",
        **bearer(clerk),
    )
    assert response.status_code == 409
    assert (
        "最后表态" in api_json(response)["message"]
        and Refusal.objects.filter(code="principal_not_last").exists()
    )
    ok = Client().post(
        f"/api/v1/decisions/items/{item.pk}/statements",
        {"person": board.person("leader").username, "position": "agree", "reasons": "同意"},
        content_type="application/json",
        **bearer(clerk),
    )
    assert ok.status_code == 200 and api_json(ok)["statements"] == 1


def test_final_minutes_answer_409_with_the_reason_and_the_attempt_is_recorded(board, clock):
    item = convene(board, topic(board)).items.get()
    meeting = item.meeting
    sign_in(board, meeting, *MEMBERS)
    for key in (*MEMBERS[1:], "head"):
        actions.do_state(
            actor=board.person("clerk"),
            item=item,
            person=board.person(key),
            position=Choice.AGREE,
            reasons="同意",
        )
    for key in MEMBERS:
        actions.do_vote(actor=board.person("clerk"), item=item, voter=board.person(key), choice=Choice.AGREE)
    actions.do_count(actor=board.person("clerk"), item=item)
    actions.do_close_meeting(actor=board.person("clerk"), meeting=meeting)
    actions.do_freeze_minutes(actor=board.person("clerk"), meeting=meeting)
    clock.set(TUESDAY + dt.timedelta(hours=2))
    response = Client().put(
        f"/api/v1/decisions/meetings/{meeting.pk}/minutes",
        {"text": "把“通过”改成“未通过”"},
        content_type="application/json",
        **bearer(board.person("clerk")),
    )
    assert response.status_code == 409
    body = api_json(response)
    assert body["error"] == "minutes_frozen" and "已定稿" in body["message"]
    assert Refusal.objects.filter(code="minutes_frozen", attempt="amend_minutes").count() == 1
    meeting.refresh_from_db()
    assert "未通过" not in meeting.minutes


def test_another_units_meeting_is_forbidden(board):
    item = convene(board, topic(board)).items.get()
    response = Client().post(
        f"/api/v1/decisions/items/{item.pk}/count",
        content_type="application/json",
        **bearer(board.person("clerk_b")),
    )
    assert response.status_code == 403
