"""The demo city: built through actions, complete, and idempotent."""

from __future__ import annotations

from liuquan.ledger.models import Entry
from liuquan.org import demo
from liuquan.org.models import Oversight, Person, Region, Role, RoleGrant, Unit


def test_demo_builds_the_city_once(db):
    first = demo.build()
    assert first.created > 0
    acts = Entry.objects.count()
    assert acts >= first.created

    second = demo.build()
    assert second.created == 0
    assert Entry.objects.count() == acts  # running it twice changes nothing

    names = set(Region.objects.values_list("name", flat=True))
    for seed_name in [
        "晋中市",
        "榆次区",
        "太谷区",
        "祁县",
        "平遥县",
        "介休市",
        "灵石县",
        "和顺县",
        "三佳乡",
        "马和乡",
        "卜宜乡",
        "南石渠村",
    ]:
        assert seed_name in names
    assert Region.objects.filter(level="county", parent__code="140700").count() == 11
    short_names = set(Unit.objects.values_list("short_name", flat=True))
    for seed_unit in ["市委组织部", "市编办", "市财政局", "市政务中心", "市国土局", "市经信委", "市民政局"]:
        assert seed_unit in short_names
    assert Unit.objects.filter(region__code="140700").count() >= 37

    logins = {username: role for role, username, _ in first.logins}
    assert set(logins) == {
        "gaigeban",
        "jingban",
        "shenhe",
        "fuzeren",
        "fenguan",
        "jijian",
        "shenji",
        "cunwu",
        "admin",
    }
    for username, _, _, _ in demo.LOGINS:
        person = Person.objects.get(username=username)
        assert person.has_usable_password()
    granted = set(RoleGrant.objects.filter(person__username__in=logins).values_list("role", flat=True))
    assert granted == set(Role.values)

    # 副职分管、正职监督: principals oversee restricted areas only as recorded exceptions.
    assert (
        not Oversight.objects.filter(leader_rank="principal", is_exception=False)
        .exclude(restricted_area="")
        .exists()
    )
    assert Oversight.objects.filter(is_exception=True).count() == 1
    # Non-login staff cannot log in.
    assert not Person.objects.get(username="140700-czj.clerk").has_usable_password()
