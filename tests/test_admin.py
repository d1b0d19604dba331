"""Django admin for data stewards: every save goes through an action."""

from __future__ import annotations

from liuquan.ledger.models import Entry
from liuquan.org import actions
from liuquan.org.models import Oversight, Region


def steward_client(world, client):
    steward = actions.do_create_person(
        actor=world.system,
        username="steward",
        full_name="管理员",
        unit=None,
        password="x" * 12,
        is_superuser=True,
    )
    client.force_login(steward)
    return steward


def test_admin_oversight_add_applies_the_rule(world, client):
    steward_client(world, client)
    form = {
        "unit": world.dept_a.pk,
        "leader": world.person("head").pk,
        "area": "财务科",
        "exception_reason": "",
    }
    response = client.post("/admin/org/oversight/add/", form)
    assert response.status_code == 200
    assert "五个不直接分管" in response.content.decode()
    assert not Oversight.objects.exists()

    form["exception_reason"] = "副职空缺，报纪委备案"
    response = client.post("/admin/org/oversight/add/", form)
    assert response.status_code == 302
    row = Oversight.objects.get()
    assert row.is_exception and row.assigned_by.username == "steward"
    assert Entry.objects.filter(action="org.assign_oversight", actor__username="steward").exists()


def test_admin_region_add_and_rename_are_actions(world, client):
    steward_client(world, client)
    response = client.post(
        "/admin/org/region/add/",
        {"code": "140781", "name": "介休市", "level": "county", "parent": world.city.pk},
    )
    assert response.status_code == 302
    region = Region.objects.get(code="140781")
    response = client.post(f"/admin/org/region/{region.pk}/change/", {"name": "介休"})
    assert response.status_code == 302
    region.refresh_from_db()
    assert region.name == "介休"
    assert list(
        Entry.objects.filter(subject_id=str(region.pk), subject_type="org.Region").values_list(
            "action", flat=True
        )
    ) == ["org.create_region", "org.rename_region"]


def test_admin_shows_refusals_on_the_field(world, client):
    steward_client(world, client)
    response = client.post(
        "/admin/org/region/add/", {"code": "99", "name": "x", "level": "county", "parent": world.city.pk}
    )
    assert response.status_code == 200
    assert "6 位数字" in response.content.decode()


def test_non_stewards_have_no_admin(world, client):
    client.force_login(world.person("reform_office"))
    assert client.get("/admin/").status_code == 302
