"""The demo city: 晋中市 with the counties, departments, townships and villages the seed report names.

Everything is created through actions by the system account, and only what is missing is created, so
running it again changes nothing. County, city and province codes are the official GB/T 2260 codes;
township and village codes are illustrative (the demo does not claim the official 统计用区划代码).
Staff are fictional, with generated names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from liuquan.org import actions
from liuquan.org.models import (
    REGION_ROLES,
    Leadership,
    Oversight,
    Person,
    Post,
    PostHolding,
    Region,
    Role,
    RoleGrant,
    Unit,
)
from liuquan.org.names import fictional_mobile, fictional_name

DEFAULT_PASSWORD = "jinzhong-demo-2015"

PROVINCE = ("140000", "山西省")
CITY = ("140700", "晋中市")
COUNTIES = [  # GB/T 2260
    ("140702", "榆次区"),
    ("140703", "太谷区"),
    ("140721", "榆社县"),
    ("140722", "左权县"),
    ("140723", "和顺县"),
    ("140724", "昔阳县"),
    ("140725", "寿阳县"),
    ("140727", "祁县"),
    ("140728", "平遥县"),
    ("140729", "灵石县"),
    ("140781", "介休市"),
]
TOWNSHIPS = [
    ("140781201", "三佳乡", "140781"),
    ("140729203", "马和乡", "140729"),
    ("140728204", "卜宜乡", "140728"),
]
VILLAGES = [("140728204201", "南石渠村", "140728204")]

# The 37 key departments of the city government (seed: "市政府确定的37个重点部门"), as named in 2015,
# then the bodies that carry the reform itself. (abbr, full name, short name, kind, principal's title)
DEPARTMENTS = [
    ("ZZB", "中共晋中市委组织部", "市委组织部", "party_organ", "部长"),
    ("BB", "晋中市机构编制委员会办公室", "市编办", "party_organ", "主任"),
    ("FGW", "晋中市发展和改革委员会", "市发改委", "government_department", "主任"),
    ("JXW", "晋中市经济和信息化委员会", "市经信委", "government_department", "主任"),
    ("JYJ", "晋中市教育局", "市教育局", "government_department", "局长"),
    ("KJJ", "晋中市科学技术局", "市科技局", "government_department", "局长"),
    ("GAJ", "晋中市公安局", "市公安局", "government_department", "局长"),
    ("MZJ", "晋中市民政局", "市民政局", "government_department", "局长"),
    ("SFJ", "晋中市司法局", "市司法局", "government_department", "局长"),
    ("CZJ", "晋中市财政局", "市财政局", "government_department", "局长"),
    ("RSJ", "晋中市人力资源和社会保障局", "市人社局", "government_department", "局长"),
    ("GTJ", "晋中市国土资源局", "市国土局", "government_department", "局长"),
    ("HBJ", "晋中市环境保护局", "市环保局", "government_department", "局长"),
    ("ZJJ", "晋中市住房和城乡建设管理局", "市住建局", "government_department", "局长"),
    ("JTJ", "晋中市交通运输局", "市交通局", "government_department", "局长"),
    ("SLJ", "晋中市水务局", "市水务局", "government_department", "局长"),
    ("NW", "晋中市农业委员会", "市农委", "government_department", "主任"),
    ("LYJ", "晋中市林业局", "市林业局", "government_department", "局长"),
    ("SWJ", "晋中市商务局", "市商务局", "government_department", "局长"),
    ("WHJ", "晋中市文化局", "市文化局", "government_department", "局长"),
    ("WJW", "晋中市卫生和计划生育委员会", "市卫计委", "government_department", "主任"),
    ("SJJ", "晋中市审计局", "市审计局", "government_department", "局长"),
    ("TJJ", "晋中市统计局", "市统计局", "government_department", "局长"),
    ("AJJ", "晋中市安全生产监督管理局", "市安监局", "government_department", "局长"),
    ("GSJ", "晋中市工商行政管理局", "市工商局", "government_department", "局长"),
    ("ZLJ", "晋中市质量技术监督局", "市质监局", "government_department", "局长"),
    ("SYJ", "晋中市食品药品监督管理局", "市食药监局", "government_department", "局长"),
    ("WJJ", "晋中市物价局", "市物价局", "government_department", "局长"),
    ("LVJ", "晋中市旅游局", "市旅游局", "government_department", "局长"),
    ("TYJ", "晋中市体育局", "市体育局", "government_department", "局长"),
    ("GHJ", "晋中市城乡规划局", "市规划局", "government_department", "局长"),
    ("CGJ", "晋中市城市管理局", "市城管局", "government_department", "局长"),
    ("MTJ", "晋中市煤炭工业局", "市煤炭局", "government_department", "局长"),
    ("LSJ", "晋中市粮食局", "市粮食局", "government_department", "局长"),
    ("RFB", "晋中市人民防空办公室", "市人防办", "government_department", "主任"),
    ("ZWZX", "晋中市政务服务中心管理办公室", "市政务中心", "government_department", "主任"),
    ("DSJ", "晋中市地方税务局", "市地税局", "government_department", "局长"),
    ("JW", "中共晋中市纪律检查委员会", "市纪委", "party_organ", "书记"),
    ("GGB", "晋中市“六权治本”工作领导小组办公室", "市改革办", "party_organ", "主任"),
]

# Posts every department gets, and who holds them.
POSTS = [
    ("受理岗", "acceptance", "clerk"),
    ("审核岗", "review", "reviewer"),
    ("审批岗", "approval", "deputy1"),
]
# 副职分管、正职监督: the deputies take the restricted areas, the principal the office.
OVERSIGHT = [
    ("principal", "办公室"),
    ("deputy1", "人事"),
    ("deputy1", "财务"),
    ("deputy2", "业务科室"),
    ("deputy2", "政府采购"),
]
# A recorded exception, so supervision has one to look at.
EXCEPTION = (
    "140700-LSJ",
    "物资",
    "分管物资的副局长岗位空缺，经局党组会议研究，暂由局长分管物资，已报市纪委备案，副职到任后即行调整。",
)

# One login per role: (username, role, unit code, seat). The login is that seat's account.
LOGINS = [
    ("gaigeban", Role.REFORM_OFFICE, "140700-GGB", "clerk"),
    ("jingban", Role.CLERK, "140700-MZJ", "clerk"),
    ("shenhe", Role.REVIEWER, "140700-MZJ", "reviewer"),
    ("fuzeren", Role.HEAD, "140700-MZJ", "principal"),
    ("fenguan", Role.LEADER, "140700-MZJ", "deputy1"),
    ("jijian", Role.INSPECTOR, "140700-JW", "clerk"),
    ("shenji", Role.AUDITOR, "140700-SJJ", "clerk"),
    ("cunwu", Role.VILLAGE, "140728204201-CWH", "clerk"),
]
LOGIN_SEATS = {(unit_code, seat): username for username, _, unit_code, seat in LOGINS}
# The role each seat holds; the clerks of the reform office, 纪委 and 审计局 act for the whole city.
SEAT_ROLES = {
    "principal": Role.HEAD,
    "deputy1": Role.LEADER,
    "deputy2": Role.LEADER,
    "clerk": Role.CLERK,
    "reviewer": Role.REVIEWER,
}
CITYWIDE_CLERKS = {"140700-GGB": Role.REFORM_OFFICE, "140700-JW": Role.INSPECTOR, "140700-SJJ": Role.AUDITOR}
STEWARD = "admin"


@dataclass
class DemoResult:
    created: int
    logins: list[tuple[str, str, str]]  # (role label, username, password)


def build(*, progress: Callable[[str], None] = lambda _: None) -> DemoResult:
    """Create whatever part of the demo city is missing and return the demo logins."""
    password = os.environ.get("LIUQUAN_DEMO_PASSWORD") or DEFAULT_PASSWORD
    system = actions.system_person()
    count = 0

    def region(code: str, name: str, level: str, parent: Region | None) -> Region:
        nonlocal count
        found = Region.objects.filter(code=code).first()
        if found:
            return found
        count += 1
        return actions.do_create_region(actor=system, code=code, name=name, level=level, parent=parent)

    province = region(*PROVINCE, "province", None)
    city = region(*CITY, "city", province)
    counties = {code: region(code, name, "county", city) for code, name in COUNTIES}
    townships = {code: region(code, name, "township", counties[parent]) for code, name, parent in TOWNSHIPS}
    villages = {code: region(code, name, "village", townships[parent]) for code, name, parent in VILLAGES}
    progress(f"regions: {Region.objects.count()}")

    plans: list[tuple[str, str, str, str, Region, str]] = [
        (f"140700-{abbr}", name, short, kind, city, title) for abbr, name, short, kind, title in DEPARTMENTS
    ]
    plans += [
        (
            f"{code}-GOV",
            f"{name}人民政府",
            f"{name}政府",
            "government",
            counties[code],
            "区长" if name.endswith("区") else ("市长" if name.endswith("市") else "县长"),
        )
        for code, name in COUNTIES
    ]
    plans += [
        (f"{code}-MZJ", f"{name}民政局", f"{name}民政局", "government_department", counties[code], "局长")
        for code, name in COUNTIES
    ]
    plans += [
        (f"{code}-GOV", f"{name}人民政府", name, "township_government", townships[code], "乡长")
        for code, name, _ in TOWNSHIPS
    ]
    plans += [
        (f"{code}-CWH", f"{name}村民委员会", f"{name}村委会", "village_committee", villages[code], "主任")
        for code, name, _ in VILLAGES
    ]

    for code, name, short, kind, where, title in plans:
        count += _build_unit(system, code, name, short, kind, where, title, password)
    progress(f"units: {Unit.objects.count()}")

    count += _build_exception(system)
    logins = [(str(role.label), username, password) for username, role, _, _ in LOGINS]
    if not Person.objects.filter(username=STEWARD).exists():
        actions.do_create_person(
            actor=system,
            username=STEWARD,
            full_name=fictional_name("steward"),
            unit=None,
            password=password,
            is_superuser=True,
        )
        count += 1
    logins.append(("数据管理员 (data steward, /admin/)", STEWARD, password))
    progress(f"people: {Person.objects.count()}")
    return DemoResult(created=count, logins=logins)


def _staff(system: Person, unit: Unit, seat: str, password: str) -> tuple[Person, int]:
    """The person in `seat` of `unit`, with the role of that seat; a demo login when LOGINS names it."""
    made = 0
    login = LOGIN_SEATS.get((unit.code, seat))
    username = login or f"{unit.code.lower()}.{seat}"
    person = Person.objects.filter(username=username).first()
    if person is None:
        key = f"{unit.code}/{seat}"
        person = actions.do_create_person(
            actor=system,
            username=username,
            full_name=fictional_name(key),
            unit=unit,
            mobile=fictional_mobile(key),
            password=password if login else None,
        )
        made += 1
    if unit.kind == "village_committee":
        role = Role.VILLAGE
    else:
        role = CITYWIDE_CLERKS.get(unit.code, SEAT_ROLES[seat]) if seat == "clerk" else SEAT_ROLES[seat]
    region = unit.region if role in REGION_ROLES else None
    scope_unit = None if region else unit
    if not RoleGrant.objects.filter(person=person, role=role, unit=scope_unit, region=region).exists():
        actions.do_grant_role(actor=system, person=person, role=role, unit=scope_unit, region=region)
        made += 1
    return person, made


def _build_unit(
    system: Person, code: str, name: str, short: str, kind: str, where: Region, title: str, password: str
) -> int:
    made = 0
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        unit = actions.do_create_unit(
            actor=system, code=code, name=name, short_name=short, kind=kind, region=where
        )
        made += 1
    village = kind == "village_committee"
    slots = (
        ["principal", "deputy1", "clerk"]
        if village
        else ["principal", "deputy1", "deputy2", "clerk", "reviewer"]
    )
    people: dict[str, Person] = {}
    for slot in slots:
        people[slot], added = _staff(system, unit, slot, password)
        made += added
    ranks = {
        "principal": ("principal", title),
        "deputy1": ("deputy", "副" + title),
        "deputy2": ("deputy", "副" + title),
    }
    for slot, (rank, leader_title) in ranks.items():
        if (
            slot in people
            and not Leadership.objects.filter(unit=unit, person=people[slot], until__isnull=True).exists()
        ):
            actions.do_appoint_leader(
                actor=system, unit=unit, person=people[slot], rank=rank, title=leader_title
            )
            made += 1
    for post_name, post_kind, slot in POSTS:
        if slot not in people:
            continue
        post = Post.objects.filter(unit=unit, name=post_name).first()
        if post is None:
            post = actions.do_create_post(actor=system, unit=unit, name=post_name, kind=post_kind)
            made += 1
        if not PostHolding.objects.filter(post=post, person=people[slot], until__isnull=True).exists():
            actions.do_assign_post(actor=system, post=post, person=people[slot])
            made += 1
    for slot, area in OVERSIGHT:
        if (
            slot in people
            and not Oversight.objects.filter(unit=unit, leader=people[slot], area=area).exists()
        ):
            actions.do_assign_oversight(actor=system, unit=unit, leader=people[slot], area=area)
            made += 1
    return made


def _build_exception(system: Person) -> int:
    code, area, reason = EXCEPTION
    unit = Unit.objects.get(code=code)
    principal = Leadership.objects.get(unit=unit, rank="principal", until__isnull=True).person
    if Oversight.objects.filter(unit=unit, leader=principal, area=area).exists():
        return 0
    actions.do_assign_oversight(actor=system, unit=unit, leader=principal, area=area, exception_reason=reason)
    return 1
