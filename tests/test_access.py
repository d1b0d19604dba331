"""Data scoping for every role, through the console and the API.

The other department is 市财政局 (dept_b). Its staff list (with private phones) and its oversight
records with exception reasons are non-public. Unit roles see only their own unit; 改革办, 纪检 and 审计
see every unit in their region, and their reads from outside the unit are access-logged.
"""

from __future__ import annotations

import pytest

from liuquan.core.models import AccessLog
from liuquan.core.testing import api_json
from liuquan.org import actions
from liuquan.org.models import Oversight

OTHER = "140700-CZJ"
# role -> (may read the other unit's non-public records, may change its oversight, read is logged)
MATRIX = {
    "reform_office": (True, True, True),
    "clerk": (False, False, False),
    "reviewer": (False, False, False),
    "head": (False, False, False),
    "leader": (False, False, False),
    "inspector": (True, False, True),
    "auditor": (True, False, True),
    "village": (False, False, False),
}


def bearer(world, role: str) -> dict[str, str]:
    _, raw = actions.do_create_api_token(actor=world.system, person=world.person(role))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize("role", MATRIX)
def test_api_read_of_another_units_staff(world, client, role):
    may_read, _, logged = MATRIX[role]
    response = client.get(f"/api/v1/units/{OTHER}/staff", **bearer(world, role))
    if may_read:
        assert response.status_code == 200
        assert {row["username"] for row in api_json(response)} == {"head-b", "clerk-b"}
    else:
        assert response.status_code == 403
        body = api_json(response)
        assert body["error"] == "forbidden" and "非公开" in body["message"]
    assert AccessLog.objects.filter(person=world.person(role), channel="api").exists() == logged


@pytest.mark.parametrize("role", MATRIX)
def test_console_read_of_another_unit(world, client, role):
    may_read, _, logged = MATRIX[role]
    client.force_login(world.person(role))
    response = client.get(f"/console/units/{OTHER}/")
    assert response.status_code == (200 if may_read else 403)
    assert (b"13400001234" in response.content) == may_read
    assert AccessLog.objects.filter(person=world.person(role), channel="console").exists() == logged


@pytest.mark.parametrize("role", MATRIX)
def test_api_read_of_another_units_person(world, client, role):
    may_read, _, _ = MATRIX[role]
    response = client.get("/api/v1/people/clerk-b", **bearer(world, role))
    assert response.status_code == (200 if may_read else 403)


@pytest.mark.parametrize("role", MATRIX)
def test_api_change_of_another_units_oversight(world, client, role):
    _, may_change, _ = MATRIX[role]
    response = client.post(
        f"/api/v1/units/{OTHER}/oversight",
        {"leader": "head-b", "area": "办公室"},
        content_type="application/json",
        **bearer(world, role),
    )
    assert response.status_code == (201 if may_change else 403)
    assert Oversight.objects.filter(unit=world.dept_b).exists() == may_change


@pytest.mark.parametrize("role", MATRIX)
def test_console_change_of_another_units_oversight(world, client, role):
    _, may_change, _ = MATRIX[role]
    client.force_login(world.person(role))
    leader_place = world.dept_b.leaders.get().pk
    response = client.post(f"/console/units/{OTHER}/oversight/", {"leader": leader_place, "area": "办公室"})
    assert response.status_code == (302 if may_change else 403)
    assert Oversight.objects.filter(unit=world.dept_b).exists() == may_change


@pytest.mark.parametrize("role", ["clerk", "reviewer", "head", "leader"])
def test_unit_staff_read_their_own_unit_without_an_access_log(world, client, role):
    response = client.get("/api/v1/units/140700-MZJ/staff", **bearer(world, role))
    assert response.status_code == 200
    assert not AccessLog.objects.exists()


def test_the_village_role_reads_its_village_only(world, client):
    headers = bearer(world, "village")
    assert client.get("/api/v1/units/140728204201-CWH/staff", **headers).status_code == 200
    assert client.get("/api/v1/units/140700-MZJ/staff", **headers).status_code == 403


def test_anonymous_callers_get_401_from_the_api_and_the_login_page_from_the_console(world, client):
    response = client.get(f"/api/v1/units/{OTHER}/staff")
    assert response.status_code == 401 and api_json(response)["error"] == "not_authenticated"
    response = client.post(
        f"/api/v1/units/{OTHER}/oversight",
        {"leader": "head-b", "area": "办公室"},
        content_type="application/json",
    )
    assert response.status_code == 401
    response = client.get(f"/console/units/{OTHER}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_public_answers_carry_no_private_phone(world, client):
    for url in [f"/api/v1/units/{OTHER}", "/api/v1/units", f"/units/{OTHER}/", "/units/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"13400001234" not in response.content, url


def test_exception_reasons_are_not_public_but_supervisors_see_them(world, client):
    actions.do_assign_oversight(
        actor=world.system,
        unit=world.dept_b,
        leader=world.person("head_b"),
        area="财务",
        exception_reason="副职空缺，报纪委备案",
    )
    assert "副职空缺".encode() not in client.get(f"/api/v1/units/{OTHER}").content
    assert "副职空缺".encode() not in client.get(f"/units/{OTHER}/").content
    response = client.get("/api/v1/oversight/exceptions", **bearer(world, "inspector"))
    assert [row["exception_reason"] for row in api_json(response)] == ["副职空缺，报纪委备案"]
    assert (
        AccessLog.objects.filter(person=world.person("inspector"), record_type="org.Oversight").count() == 1
    )
    response = client.get("/api/v1/oversight/exceptions", **bearer(world, "clerk"))
    assert api_json(response) == []
