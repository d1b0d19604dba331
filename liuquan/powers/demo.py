"""The seed's power-list stories, replayed in the demo city through the real actions (idempotent).

- 市经信委: 44 powers reported, reviewed in two rounds down to 18 (下放 8, 合并 6, 取消 7, 划转 5).
- 市国土局: 闲置土地无偿收回 moved from 处罚 to 征收; 责令限期拆除, 损毁农用地的处罚, 土地估价报告备案 and
  土地登记费 withdrawn; 矿山储量年报审查 made an internal matter; 采矿许可 no longer split into sub-items.
- 市民政局 and a few more units: short published lists.
The items are plausible, written for the demo, and cite real laws; they are not any city's actual list.
"""

from __future__ import annotations

from liuquan.org.models import Person, Role, RoleGrant, Unit
from liuquan.powers import actions
from liuquan.powers.actions import ItemInput, ResponsibilityInput
from liuquan.powers.models import ListEdition, PowerItem
from liuquan.powers.states import EditionStatus

STAGES = [
    ("受理", "依法受理或不予受理，一次性告知需补正的全部材料"),
    ("审查", "对申请材料进行审查，需要现场核查的组织核查"),
    ("决定", "在法定期限内作出决定，不予许可的说明理由"),
    ("送达", "在法定期限内送达决定书"),
]
PENALTY_STAGES = [
    ("立案", "对违法行为依法立案"),
    ("调查取证", "两名以上执法人员调查取证"),
    ("告知", "告知当事人拟作出的处罚及其权利"),
    ("决定", "依法作出处罚决定"),
    ("执行", "依法执行处罚决定"),
]

# (name, category, basis, disposition, reason, target)
JXW = [
    (
        "电力设施保护区内施工作业许可",
        "licensing",
        "【行政法规】《电力设施保护条例》第十七条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "民用爆炸物品生产许可初审",
        "licensing",
        "【行政法规】《民用爆炸物品安全管理条例》第十一条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "监控化学品生产特别许可初审",
        "licensing",
        "【行政法规】《监控化学品管理条例》第七条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "无线电台（站）设置审批",
        "licensing",
        "【行政法规】《无线电管理条例》第二十七条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "固定资产投资项目节能审查",
        "licensing",
        "【法律】《中华人民共和国节约能源法》第十五条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对违反节能管理规定的处罚",
        "penalty",
        "【法律】《中华人民共和国节约能源法》第六十八条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对重点用能单位未报送能源利用状况报告的处罚",
        "penalty",
        "【法律】《中华人民共和国节约能源法》第八十二条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对擅自设置无线电台（站）的处罚",
        "penalty",
        "【行政法规】《无线电管理条例》第七十条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对违反电力设施保护规定的处罚",
        "penalty",
        "【法律】《中华人民共和国电力法》第六十八条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对违反民用爆炸物品管理规定的处罚",
        "penalty",
        "【行政法规】《民用爆炸物品安全管理条例》第四十四条",
        "keep",
        "于法有据，保留",
        "",
    ),
    ("节能监察", "inspection", "【法律】《中华人民共和国节约能源法》第十二条", "keep", "于法有据，保留", ""),
    (
        "无线电监督检查",
        "inspection",
        "【行政法规】《无线电管理条例》第六十二条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "民用爆炸物品安全监督检查",
        "inspection",
        "【行政法规】《民用爆炸物品安全管理条例》第四条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对电力设施保护的监督检查",
        "inspection",
        "【法律】《中华人民共和国电力法》第五十六条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "清洁生产审核监督",
        "inspection",
        "【法律】《中华人民共和国清洁生产促进法》第二十七条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "中小企业发展专项资金安排",
        "benefit",
        "【法律】《中华人民共和国中小企业促进法》第十条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对节能先进单位和个人的奖励",
        "reward",
        "【法律】《中华人民共和国节约能源法》第六十七条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "对循环经济发展成绩显著单位的表彰",
        "reward",
        "【法律】《中华人民共和国循环经济促进法》第四十八条",
        "keep",
        "于法有据，保留",
        "",
    ),
    (
        "县域工业园区企业技术改造项目备案",
        "other",
        "【法律】《中华人民共和国中小企业促进法》第三十三条",
        "delegate",
        "能下放的下放：由县级实施更便民",
        "县级",
    ),
    (
        "小型企业技术改造项目备案",
        "other",
        "【法律】《中华人民共和国中小企业促进法》第三十三条",
        "delegate",
        "能下放的下放",
        "县级",
    ),
    (
        "县域工业企业节能监察",
        "inspection",
        "【法律】《中华人民共和国节约能源法》第十二条",
        "delegate",
        "能下放的下放：属地管理",
        "县级",
    ),
    (
        "乡镇企业用电安全检查",
        "inspection",
        "【法律】《中华人民共和国电力法》第五十六条",
        "delegate",
        "能下放的下放：属地管理",
        "县级",
    ),
    (
        "一般工业项目备案",
        "other",
        "【行政法规】《企业投资项目核准和备案管理条例》第十三条",
        "delegate",
        "能下放的下放",
        "县级",
    ),
    (
        "企业技术中心县级初审",
        "confirmation",
        "【规范性文件】《企业技术中心认定管理办法》",
        "delegate",
        "能下放的下放",
        "县级",
    ),
    (
        "中小企业公共服务示范平台初审",
        "confirmation",
        "【法律】《中华人民共和国中小企业促进法》第四十二条",
        "delegate",
        "能下放的下放",
        "县级",
    ),
    (
        "农村电网建设项目初审",
        "other",
        "【法律】《中华人民共和国电力法》第四十七条",
        "delegate",
        "能下放的下放",
        "县级",
    ),
    (
        "民用爆炸物品销售许可初审",
        "licensing",
        "【行政法规】《民用爆炸物品安全管理条例》第十八条",
        "merge",
        "能合并的合并：并入生产许可初审统一办理",
        "JXW002",
    ),
    (
        "民用爆炸物品购买许可初审",
        "licensing",
        "【行政法规】《民用爆炸物品安全管理条例》第二十一条",
        "merge",
        "能合并的合并",
        "JXW002",
    ),
    (
        "重点用能单位节能检查",
        "inspection",
        "【法律】《中华人民共和国节约能源法》第十二条",
        "merge",
        "能合并的合并：并入节能监察",
        "JXW011",
    ),
    (
        "能源利用状况报告审查",
        "inspection",
        "【法律】《中华人民共和国节约能源法》第五十三条",
        "merge",
        "能合并的合并：并入节能监察",
        "JXW011",
    ),
    (
        "无线电频率使用检查",
        "inspection",
        "【行政法规】《无线电管理条例》第六十二条",
        "merge",
        "能合并的合并：并入无线电监督检查",
        "JXW012",
    ),
    (
        "对无线电干扰的处罚",
        "penalty",
        "【行政法规】《无线电管理条例》第七十二条",
        "merge",
        "能合并的合并",
        "JXW008",
    ),
    ("工业企业产品质量评比", "other", "", "cancel", "能取消的取消：无法律法规依据", ""),
    ("企业名牌产品认定", "confirmation", "", "cancel", "能取消的取消：无法律法规依据", ""),
    ("工业企业统计年报审核", "other", "", "cancel", "能取消的取消：重复审核", ""),
    ("企业信息化示范单位评选", "reward", "", "cancel", "能取消的取消：无法律法规依据", ""),
    ("技术改造项目竣工验收", "other", "", "cancel", "能取消的取消：国务院已取消", ""),
    ("新产品鉴定", "confirmation", "", "cancel", "能取消的取消：国务院已取消", ""),
    ("企业用电指标分配", "other", "", "cancel", "能取消的取消：由市场配置", ""),
    (
        "煤炭经营企业监督检查",
        "inspection",
        "【法律】《中华人民共和国煤炭法》第五十一条",
        "transfer",
        "能划转的划转：归口煤炭主管部门",
        "140700-MTJ",
    ),
    (
        "企业投资项目核准",
        "licensing",
        "【行政法规】《企业投资项目核准和备案管理条例》第三条",
        "transfer",
        "能划转的划转：归口投资主管部门",
        "140700-FGW",
    ),
    (
        "散装水泥推广监督检查",
        "inspection",
        "【规范性文件】《散装水泥管理办法》",
        "transfer",
        "能划转的划转：归口商务主管部门",
        "140700-SWJ",
    ),
    (
        "成品油市场监督检查",
        "inspection",
        "【部门规章】《成品油市场管理办法》",
        "transfer",
        "能划转的划转：归口商务主管部门",
        "140700-SWJ",
    ),
    (
        "工业用地节约集约利用评价",
        "inspection",
        "【法律】《中华人民共和国土地管理法》第三条",
        "transfer",
        "能划转的划转：归口国土资源部门",
        "140700-GTJ",
    ),
]

GTJ = [
    (
        "采矿权新立登记",
        "licensing",
        "【行政法规】《矿产资源开采登记管理办法》第三条",
        "keep",
        "于法有据，保留",
        "",
        None,
    ),
    (
        "采矿许可",
        "licensing",
        "【法律】《中华人民共和国矿产资源法》第三条",
        "no_subitems",
        "采矿许可不再分列子项",
        "",
        None,
    ),
    (
        "采矿许可（延续）",
        "licensing",
        "【行政法规】《矿产资源开采登记管理办法》第七条",
        "keep",
        "随主项保留",
        "",
        "GTJ002",
    ),
    (
        "采矿许可（变更）",
        "licensing",
        "【行政法规】《矿产资源开采登记管理办法》第十条",
        "keep",
        "随主项保留",
        "",
        "GTJ002",
    ),
    (
        "国有土地使用权登记",
        "confirmation",
        "【法律】《中华人民共和国土地管理法》第十二条",
        "keep",
        "于法有据，保留",
        "",
        None,
    ),
    (
        "闲置土地无偿收回",
        "penalty",
        "【行政法规】《中华人民共和国城镇国有土地使用权出让和转让暂行条例》第十七条",
        "reclassify",
        "闲置土地无偿收回不是处罚，是征收",
        "levy",
        None,
    ),
    (
        "责令限期拆除",
        "penalty",
        "【法律】《中华人民共和国土地管理法》第七十七条",
        "withdraw",
        "不属于行政处罚范畴",
        "not_administrative_power",
        None,
    ),
    (
        "对损毁农用地数量较大的处罚",
        "penalty",
        "【法律】《中华人民共和国刑法》第三百四十二条",
        "withdraw",
        "属于《刑法》规范的犯罪行为，不是行政权力",
        "not_administrative_power",
        None,
    ),
    ("土地估价报告备案", "other", "", "withdraw", "无上位法依据", "no_legal_basis", None),
    ("土地登记费", "levy", "", "withdraw", "服务性收费", "service_fee", None),
    ("矿山储量年报审查", "other", "", "internal", "属于行业内部事项", "", None),
    (
        "对非法占用土地的处罚",
        "penalty",
        "【法律】《中华人民共和国土地管理法》第七十七条",
        "keep",
        "于法有据，保留",
        "",
        None,
    ),
]

OTHERS = {
    "140700-MZJ": [
        ("社会团体成立登记", "licensing", "【行政法规】《社会团体登记管理条例》第三条"),
        ("民办非企业单位成立登记", "licensing", "【行政法规】《民办非企业单位登记管理暂行条例》第三条"),
        ("最低生活保障审核确认", "benefit", "【行政法规】《社会救助暂行办法》第十一条"),
        ("对违法殡葬行为的处罚", "penalty", "【行政法规】《殡葬管理条例》第二十条"),
        # The seed's 市民政局 re-engineered 29 flows: its 10 special funds (专项资金) and its important
        # powers; with the four above, 29 published powers, each given a flow and a risk map.
        ("城乡最低生活保障金发放", "benefit", "【行政法规】《社会救助暂行办法》第九条"),
        ("特困人员救助供养金发放", "benefit", "【行政法规】《社会救助暂行办法》第十四条"),
        ("受灾人员救助资金发放", "benefit", "【行政法规】《自然灾害救助条例》第十九条"),
        ("临时救助金发放", "benefit", "【行政法规】《社会救助暂行办法》第四十七条"),
        ("医疗救助资金发放", "benefit", "【行政法规】《社会救助暂行办法》第二十八条"),
        ("孤儿基本生活费发放", "benefit", "【法律】《中华人民共和国未成年人保护法》第四十三条"),
        ("重点优抚对象定期抚恤补助金发放", "benefit", "【行政法规】《军人抚恤优待条例》第三十三条"),
        ("高龄老人津贴发放", "benefit", "【法律】《中华人民共和国老年人权益保障法》第三十三条"),
        ("惠民殡葬补贴发放", "benefit", "【行政法规】《殡葬管理条例》第三条"),
        ("养老机构运营补贴发放", "benefit", "【法律】《中华人民共和国老年人权益保障法》第四十一条"),
        ("基金会成立登记", "licensing", "【行政法规】《基金会管理条例》第六条"),
        ("社会团体变更登记", "licensing", "【行政法规】《社会团体登记管理条例》第十八条"),
        ("社会团体注销登记", "licensing", "【行政法规】《社会团体登记管理条例》第十九条"),
        ("民办非企业单位变更登记", "licensing", "【行政法规】《民办非企业单位登记管理暂行条例》第十五条"),
        ("公墓建设审批", "licensing", "【行政法规】《殡葬管理条例》第八条"),
        ("养老机构设立许可", "licensing", "【法律】《中华人民共和国老年人权益保障法》第四十三条"),
        ("内地居民婚姻登记", "confirmation", "【行政法规】《婚姻登记条例》第二条"),
        ("收养登记", "confirmation", "【法律】《中华人民共和国收养法》第十五条"),
        ("地名命名更名审批", "other", "【行政法规】《地名管理条例》第六条"),
        ("对社会团体违法行为的处罚", "penalty", "【行政法规】《社会团体登记管理条例》第三十条"),
        (
            "对民办非企业单位违法行为的处罚",
            "penalty",
            "【行政法规】《民办非企业单位登记管理暂行条例》第二十五条",
        ),
        ("对基金会违法行为的处罚", "penalty", "【行政法规】《基金会管理条例》第四十二条"),
        ("对社会组织的年度检查", "inspection", "【行政法规】《社会团体登记管理条例》第二十八条"),
        ("对养老机构的监督检查", "inspection", "【法律】《中华人民共和国老年人权益保障法》第四十四条"),
        ("查封扣押违法殡葬设施设备", "coercion", "【行政法规】《殡葬管理条例》第二十条"),
    ],
    "140700-CZJ": [
        ("会计代理记账许可", "licensing", "【法律】《中华人民共和国会计法》第三十六条"),
        ("对违反会计法行为的处罚", "penalty", "【法律】《中华人民共和国会计法》第四十二条"),
    ],
    "140700-ZWZX": [
        ("政务服务事项办理情况监督检查", "inspection", "【行政法规】《优化营商环境条例》第三十七条")
    ],
}


def _item(code: str, name: str, category: str, basis: str, parent: str | None = None) -> ItemInput:
    stages = PENALTY_STAGES if category == "penalty" else STAGES
    return ItemInput(
        code=code,
        name=name,
        category=category,
        basis=basis,
        parent_code=parent,
        subject="",
        handling_unit="",
        level="市级",
        responsibilities=[
            ResponsibilityInput(
                stage=stage,
                content=content,
                accountable="承办人员、审核人员",
                accountability_cases="不履行或不正确履行职责的",
            )
            for stage, content in stages
        ],
    )


def _published(unit: Unit) -> bool:
    return ListEdition.objects.filter(unit=unit, status=EditionStatus.PUBLISHED).exists()


def _review(
    unit: Unit,
    clerk: Person,
    office: Person,
    items: list[ItemInput],
    decisions: dict[str, tuple[str, str, dict[str, object]]],
) -> int:
    """Report `items`, review them through both rounds with `decisions`, publish; returns actions made."""
    edition = actions.do_create_edition(actor=clerk, unit=unit)
    actions.do_add_items(actor=clerk, edition=edition, items=items)
    actions.do_move_edition(actor=clerk, edition=edition, move="submit")
    actions.do_move_edition(
        actor=office, edition=edition, move="pass_first", comment="一审：逐项核对实施依据"
    )
    for row in PowerItem.objects.filter(edition=edition).order_by("code"):
        kind, reason, targets = decisions.get(row.code, ("keep", "于法有据，保留", {}))
        actions.do_decide_item(actor=office, item=row, kind=kind, reason=reason, **targets)  # type: ignore[arg-type]
    actions.do_move_edition(actor=office, edition=edition, move="confirm")
    actions.do_move_edition(actor=office, edition=edition, move="publish")
    return 6 + 2 * len(items)


def _clerk(unit: Unit) -> Person:
    grant = (
        RoleGrant.objects.filter(unit=unit, role=Role.CLERK).select_related("person").order_by("pk").first()
    )
    if grant is None:
        raise LookupError(f"the demo unit {unit.code} has no clerk")
    return grant.person


def build() -> int:
    """Replay the stories for units whose list is not published yet; returns how many actions ran."""
    office = (
        RoleGrant.objects.filter(role=Role.REFORM_OFFICE, region__code="140700")
        .select_related("person")[0]
        .person
    )
    made = 0
    jxw = Unit.objects.get(code="140700-JXW")
    if not _published(jxw):
        items = [
            _item(f"JXW{n:03d}", name, category, basis)
            for n, (name, category, basis, *_r) in enumerate(JXW, 1)
        ]
        decisions: dict[str, tuple[str, str, dict[str, object]]] = {}
        for n, (_name, _category, _basis, kind, reason, target) in enumerate(JXW, 1):
            targets: dict[str, object] = {}
            if kind == "delegate":
                targets = {"target_level": target}
            elif kind == "merge":
                targets = {"target_code": target}
            elif kind == "transfer":
                targets = {"target_unit": Unit.objects.get(code=target)}
            decisions[f"JXW{n:03d}"] = (kind, reason, targets)
        made += _review(jxw, _clerk(jxw), office, items, decisions)
    gtj = Unit.objects.get(code="140700-GTJ")
    if not _published(gtj):
        items, decisions = [], {}
        for n, (name, category, basis, kind, reason, target, parent) in enumerate(GTJ, 1):
            code = f"GTJ{n:03d}"
            items.append(_item(code, name, category, basis, parent))
            field = {"reclassify": "new_category", "withdraw": "withdraw_cause"}.get(kind)
            decisions[code] = (kind, reason, {field: target} if field else {})
        made += _review(gtj, _clerk(gtj), office, items, decisions)
    for code, rows in OTHERS.items():
        unit = Unit.objects.get(code=code)
        if not _published(unit):
            prefix = code.split("-")[1]
            made += _review(
                unit,
                _clerk(unit),
                office,
                [_item(f"{prefix}{n:03d}", *row) for n, row in enumerate(rows, 1)],
                {},
            )
    return made
