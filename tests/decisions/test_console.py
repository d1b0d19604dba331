"""The meeting room in the console, as the secretary keeps it: sign-in, statements in order with the
principal last, a secret ballot cast by each member with their own password, the count, the minutes
made final; every refusal shown with its reason."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from liuquan.core.testing import PASSWORD, login
from liuquan.decisions import actions
from liuquan.decisions.models import Ballot, Meeting, Refusal
from tests.decisions.conftest import MEMBERS, TUESDAY, personnel_topic


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def post(client: Client, url: str, data: dict[str, object]) -> str:
    """POST, follow the redirect, the page's text."""
    response = client.post(url, data, follow=True)
    assert response.status_code == 200, url
    return response.content.decode()


def test_a_whole_meeting_in_the_console_with_a_secret_ballot(board, clock):
    personnel = personnel_topic(board, "任命某同志为办公室主任")
    clerk = login(Client(), board.person("clerk"))
    unit_url = f"/console/decisions/{board.dept_a.code}/"
    text = page(clerk, unit_url)
    assert 'data-testid="convene-form"' in text and "任命某同志为办公室主任" in text
    post(
        clerk,
        unit_url + "meetings/",
        {"body": "局务会议", "held_at": "2026-11-10T09:30", "topics": [personnel.pk]},
    )
    meeting = Meeting.objects.get()
    url = f"/console/decisions/meetings/{meeting.pk}/"
    item = meeting.items.get()
    for key in MEMBERS:
        post(clerk, url + "sign-in/", {"person": board.person(key).pk})
    refused = post(
        clerk,
        url + "state/",
        {"item": item.pk, "person": board.person("head").pk, "position": "agree", "reasons": "同意"},
    )
    assert "最后表态" in refused and Refusal.objects.filter(code="principal_not_last").count() == 1
    for key in (*MEMBERS[1:], "head"):
        post(
            clerk,
            url + "state/",
            {"item": item.pk, "person": board.person(key).pk, "position": "agree", "reasons": "考察合格"},
        )
    wrong = post(
        clerk,
        url + "vote/",
        {"item": item.pk, "person": board.person("leader").pk, "choice": "agree", "password": "猜的"},
    )
    assert "密码" in wrong and not Ballot.objects.exists()
    for key in MEMBERS:
        post(
            clerk,
            url + "vote/",
            {"item": item.pk, "person": board.person(key).pk, "choice": "agree", "password": PASSWORD},
        )
    assert not Ballot.objects.filter(person__isnull=False).exists()
    counted = post(clerk, url + "count/", {"item": item.pk})
    assert "结果：通过" in counted
    post(clerk, url + "close/", {})
    final = post(clerk, url + "minutes/", {"freeze": "1"})
    assert "纪要已定稿" in final
    clock.set(TUESDAY + dt.timedelta(hours=3))
    again = post(clerk, url + "minutes/", {"minutes": "改写"})
    assert "已定稿" in again and Refusal.objects.filter(code="minutes_frozen").count() == 1
    # 纪检 reads the register and the meeting, and can change nothing.
    inspector = login(Client(), board.person("inspector"))
    assert "任命某同志为办公室主任" in page(inspector, unit_url)
    assert 'data-testid="state-form"' not in page(inspector, url)


def test_another_units_staff_cannot_open_the_meeting_room(board):
    clerk_b = login(Client(), board.person("clerk_b"))
    assert clerk_b.get(f"/console/decisions/{board.dept_a.code}/").status_code == 403


def test_a_tampered_form_gets_a_404_not_a_traceback(board):
    item = actions.do_convene(
        actor=board.person("clerk"),
        unit=board.dept_a,
        body="局务会议",
        held_at=TUESDAY,
        topics=[personnel_topic(board)],
    ).items.get()
    clerk = login(Client(), board.person("clerk"))
    url = f"/console/decisions/meetings/{item.meeting_id}/"
    assert clerk.post(url + "sign-in/", {"person": "x"}).status_code == 404
    assert (
        clerk.post(url + "state/", {"item": "1 OR 1", "person": board.person("leader").pk}).status_code == 404
    )
    assert (
        clerk.post(
            f"/console/decisions/{board.dept_a.code}/meetings/",
            {"held_at": "2026-11-10T09:30", "topics": ["x"]},
        ).status_code
        == 302
    )
