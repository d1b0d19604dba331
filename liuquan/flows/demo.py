"""The demo city's flows: every published power gets its flow and risk map from its category's template,
with the template's posts set up in the unit and held by different people, so that separation of
duties can be met. 市民政局's 29 re-engineered flows (the seed's 10 special funds and important powers)
are among them, each with its risk map.

Risk points for the categories whose templates carry none are the demo's own plausible ones, written
the way published 风险防控图 put them.
"""

from __future__ import annotations

from dataclasses import replace

from liuquan.flows import actions, queries, templates
from liuquan.flows.models import FlowStatus, ProcessDefinition
from liuquan.flows.spec import Flow, RiskLevel, RiskPoint
from liuquan.org import actions as org_actions
from liuquan.org.models import Leadership, Person, Post, PostHolding, Unit
from liuquan.powers import queries as power_queries
from liuquan.powers.models import ListEdition
from liuquan.powers.states import EditionStatus

# Template post → (post kind, the demo seat that holds it). Seats are a department's five people.
POST_SEATS: dict[str, tuple[str, str]] = {
    "受理岗": ("acceptance", "clerk"),
    "审核岗": ("review", "reviewer"),
    "审批岗": ("approval", "deputy1"),
    "分管领导": ("approval", "deputy1"),
    "负责人": ("decision", "principal"),
    "听证主持岗": ("general", "deputy2"),
    "执法岗": ("investigation", "clerk"),
    "法制审核岗": ("legal_review", "deputy2"),
    "执行岗": ("enforcement", "reviewer"),
}

H, M, L = RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW
# step key → (风险点, 表现形式, 等级, 防控措施, supervision rule)
EXTRA_RISKS: dict[str, list[tuple[str, str, str, RiskLevel, str, str]]] = {
    "application": [
        (
            "accept",
            "应受理不受理",
            "对符合条件的申请不予受理，或未一次性告知需补正的全部材料",
            M,
            "受理清单公开，一次性告知书留档，电子监察计时",
            "repeated_correction",
        ),
        (
            "review",
            "审核把关不严",
            "未按规定核实材料，放宽或提高条件",
            H,
            "审核要点清单化，抽查复核，审核意见留痕",
            "",
        ),
        (
            "decide",
            "违规决定",
            "超越权限或违反程序作出决定，优亲厚友",
            H,
            "受理、审核、决定分岗，重大事项集体研究",
            "separation_breach",
        ),
        ("deliver", "超期送达", "决定作出后未在时限内送达", L, "电子监察黄牌预警、红牌督办", "time_red"),
    ],
    "benefit": [
        (
            "publicity",
            "公示不到位",
            "未按规定公示或公示期不足，群众无法监督",
            M,
            "公示内容、地点、期限固定化，公示照片留档",
            "",
        ),
    ],
    "inspection": [
        (
            "inspect",
            "选择性检查",
            "随意检查或该查不查，检查中吃拿卡要",
            H,
            "“双随机”抽取检查对象和人员，检查全程记录",
            "",
        ),
        ("handle", "处理畸轻畸重", "对检查发现问题处理不一致", M, "处理标准公开，分管领导审定", ""),
    ],
    "coercion": [
        ("notify", "未依法催告", "未书面催告或未听取当事人陈述申辩", M, "催告书格式化，陈述申辩记录归档", ""),
        ("decide", "滥用强制措施", "超范围、超期限采取强制措施", H, "法制审核前置，负责人审批", ""),
        ("execute", "执行不规范", "执行中不出示证件、不制作笔录", M, "执法记录仪全程记录", ""),
    ],
}


def _extra_risks(flow: Flow) -> Flow:
    """Risk points for a template that carries none (and the 公示 risk where a benefit is 公示ed)."""
    keys = {step.key for step in flow.steps}
    groups = []
    if not flow.risks:
        groups.append(
            "inspection"
            if flow.category == "inspection"
            else "coercion"
            if flow.category == "coercion"
            else "application"
        )
    if "publicity" in keys:
        groups.append("benefit")
    added = [
        RiskPoint(
            step=step,
            point=point,
            manifestation=shows,
            level=level,
            measures=measures,
            post=(flow.step(step).post if flow.step(step) else ""),  # type: ignore[union-attr]
            rule=rule,
        )
        for group in groups
        for step, point, shows, level, measures, rule in EXTRA_RISKS[group]
        if step in keys
    ]
    return replace(flow, risks=flow.risks + tuple(added))


def _seats(unit: Unit) -> dict[str, Person]:
    """The demo seats of a department, found through its leaders and its two base posts."""
    seats: dict[str, Person] = {}
    leaders = list(
        Leadership.objects.filter(unit=unit, until__isnull=True).select_related("person").order_by("id")
    )
    for row in leaders:
        if row.rank == "principal":
            seats["principal"] = row.person
    deputies = [row.person for row in leaders if row.rank == "deputy"]
    for slot, person in zip(("deputy1", "deputy2"), deputies, strict=False):
        seats[slot] = person
    for post_name, slot in (("受理岗", "clerk"), ("审核岗", "reviewer")):
        holding = (
            PostHolding.objects.filter(post__unit=unit, post__name=post_name, until__isnull=True)
            .select_related("person")
            .first()
        )
        if holding is not None:
            seats[slot] = holding.person
    return seats


def staff_posts(actor: Person, unit: Unit, flow: Flow, seats: dict[str, Person]) -> int:
    """Create the flow's posts the unit lacks and give each its demo holder; returns actions run."""
    made = 0
    for post_name in flow.lanes():
        if not post_name or post_name not in POST_SEATS:
            continue
        kind, slot = POST_SEATS[post_name]
        person = seats.get(slot)
        post = Post.objects.filter(unit=unit, name=post_name).first()
        if post is None:
            post = org_actions.do_create_post(actor=actor, unit=unit, name=post_name, kind=kind)
            made += 1
        if person is not None and not PostHolding.objects.filter(post=post, until__isnull=True).exists():
            org_actions.do_assign_post(actor=actor, post=post, person=person)
            made += 1
    return made


def build() -> int:
    """A published flow for every kept item of every published list that has none; returns actions run."""
    system = org_actions.system_person()
    made = 0
    editions = (
        ListEdition.objects.filter(status=EditionStatus.PUBLISHED)
        .select_related("unit")
        .order_by("unit__code", "-number")
    )
    seen: set[int] = set()
    for edition in editions:
        if edition.unit_id in seen:
            continue  # only the latest published edition of each unit
        seen.add(edition.unit_id)
        unit = edition.unit
        seats = _seats(unit)
        for item in power_queries.kept_items(edition):
            if queries.flow_in_force(unit, item.code) is not None:
                continue
            category = power_queries.effective_category(item)
            flow = _extra_risks(replace(templates.template_for(category), name=item.name))
            made += staff_posts(system, unit, flow, seats)
            draft = ProcessDefinition.objects.filter(
                unit=unit, power_code=item.code, status=FlowStatus.DRAFT
            ).first()
            if draft is None:
                draft = actions.do_create_flow(actor=system, unit=unit, power_code=item.code, flow=flow)
                made += 1
            actions.do_publish_flow(actor=system, definition=draft)
            made += 1
    return made
