"""Starting flows per 权力类型: what a department adapts into its own 权力运行流程图.

Pure module (no Django). Step names are Chinese, keys English; posts are typical post names only
("受理岗", "审核岗", "审批岗", "执法岗", "法制审核岗", "负责人" …) that the department maps to its own posts.
Each statutory number carries its article in a comment; a number that comes from common local practice
rather than a statute says so. Every template passes `rules.check_flow` once each post has at least
two or three different holders.

Laws: 行政许可法 (2019-04-23), 行政处罚法 (2021-01-22), 行政强制法 (2011-06-30).
"""

from __future__ import annotations

from collections.abc import Callable

from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    Limit,
    RiskLevel,
    RiskPoint,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)

__all__ = ["TEMPLATE_CATEGORIES", "template_for"]

ACCEPT_POST = "受理岗"
REVIEW_POST = "审核岗"
APPROVE_POST = "审批岗"
HEAD = "负责人"
ENFORCE_POST = "执法岗"
LEGAL_POST = "法制审核岗"
HEARING_POST = "听证主持岗"
EXECUTE_POST = "执行岗"
LEADER = "分管领导"

NEXT = TransitionKind.NEXT
REJECT = TransitionKind.REJECT
CORRECTION = TransitionKind.CORRECTION
EXTEND = TransitionKind.EXTEND
SUSPEND = TransitionKind.SUSPEND
RETURN = TransitionKind.RETURN
TERMINATE = TransitionKind.TERMINATE


def template_for(category: str) -> Flow:
    """The starting flow for a 权力类型 (a `powers.PowerCategory` value); ValueError for any other."""
    try:
        build = _BUILDERS[category]
    except KeyError:
        raise ValueError(f"no flow template for category {category!r}") from None
    return build()


def _licensing() -> Flow:
    """行政许可: 受理 → 审查 → (听证/专家评审) → 决定 → 送达, with 补正, 不予受理, 延期 and 不予许可."""
    steps = (
        # 行政许可法 art. 32(1)(4): 补正 is told at once or within 5 days of receiving the materials;
        # art. 82: working days.
        Step(
            "accept",
            "受理",
            StepKind.ACCEPT,
            ACCEPT_POST,
            Limit(5, DayKind.WORKING),
            note="行政许可法第三十二条：材料不全的，当场或者五日内一次告知需要补正的全部内容",
        ),
        # Local practice: half of the 20-day decision period for the review.
        Step(
            "review",
            "审查",
            StepKind.REVIEW,
            REVIEW_POST,
            Limit(10, DayKind.WORKING),
            note="办理：审查申请材料",
        ),
        # 行政许可法 art. 45: time for hearings, tendering, auctions, testing and expert review is not
        # counted in the limits; art. 48(1)(3): the hearing is chaired by someone other than the reviewer.
        Step(
            "hearing",
            "听证/专家评审",
            StepKind.HEARING,
            HEARING_POST,
            suspends_clock=True,
            note="行政许可法第四十五条：听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的时间不计入期限；第四十七条、第四十八条",
        ),
        # 行政许可法 art. 42: the head approves a 10-day extension.
        Step(
            "extend",
            "延期审批",
            StepKind.OTHER,
            HEAD,
            note="行政许可法第四十二条：经本行政机关负责人批准，可以延长十日",
        ),
        # Local practice: the rest of the 20-day period (20 − 10 review, less a margin) for approval.
        Step(
            "decide",
            "决定",
            StepKind.DECIDE,
            APPROVE_POST,
            Limit(5, DayKind.WORKING),
            note="批准：作出准予或不予许可的决定",
        ),
        # 行政许可法 art. 44: certificates issued and delivered within 10 days of the decision.
        Step(
            "deliver",
            "送达",
            StepKind.DELIVER,
            ACCEPT_POST,
            Limit(10, DayKind.WORKING),
            note="行政许可法第四十四条：自作出决定之日起十日内颁发、送达行政许可证件",
        ),
    )
    transitions = (
        Transition("accept", "pass", "review", NEXT, "受理"),
        Transition(
            "accept",
            "correct",
            "accept",
            CORRECTION,
            "需补正",
            "材料不齐全或者不符合法定形式（行政许可法第三十二条第一款第四项）",
        ),
        Transition(
            "accept",
            "refuse",
            END,
            REJECT,
            "不予受理",
            "不属于本机关职权范围或依法不需要取得许可（第三十二条）",
        ),
        Transition("review", "pass", "decide", NEXT, "审查通过"),
        Transition(
            "review",
            "hearing",
            "hearing",
            SUSPEND,
            "听证",
            "依法需要听证、检验、检测或专家评审（第四十五条至第四十八条）",
        ),
        Transition("review", "extend", "extend", EXTEND, "延期", "二十日内不能作出决定（第四十二条）"),
        Transition(
            "hearing", "done", "decide", NEXT, "听证/评审结束", "根据听证笔录作出决定（第四十八条第二款）"
        ),
        Transition(
            "extend", "approve", "review", NEXT, "批准延期", "将延长期限的理由告知申请人（第四十二条）"
        ),
        Transition("extend", "deny", "review", RETURN, "不予延期"),
        Transition("decide", "grant", "deliver", NEXT, "准予许可"),
        # The written refusal with its reasons is delivered too (行政许可法 art. 38 para. 2).
        Transition(
            "decide",
            "refuse",
            "deliver",
            REJECT,
            "不予许可",
            "书面说明理由，告知复议、诉讼权利（第三十八条第二款）",
        ),
        Transition("decide", "return", "review", RETURN, "退回重审"),
        Transition("deliver", "done", END, NEXT, "已送达"),
    )
    return Flow(
        name="行政许可通用流程",
        category="licensing",
        steps=steps,
        transitions=transitions,
        # 行政许可法 art. 42 para. 1: decide within 20 days of 受理, +10 with the head's approval;
        # art. 82: working days.
        case_limit=Limit(20, DayKind.WORKING),
        extension=Limit(10, DayKind.WORKING),
        separation=(
            SeparationGroup(
                "受理、审查、决定分离", ("accept", "review", "decide"), "分岗设权：受理、办理、批准由不同人员"
            ),
            SeparationGroup("审查与听证主持分离", ("review", "hearing"), "行政许可法第四十八条第一款第三项"),
        ),
        risks=(
            RiskPoint(
                "accept",
                "应受理不受理",
                "刁难申请人，多次要求补正或不一次告知",
                RiskLevel.MEDIUM,
                "一次性告知；补正通知留痕；超期自动受理提醒",
                ACCEPT_POST,
                rule="time_red",
            ),
            RiskPoint(
                "review",
                "审查把关不严",
                "降低标准、放宽条件，或故意拖延",
                RiskLevel.HIGH,
                "审查标准公开；审批岗复核；电子监察计时",
                REVIEW_POST,
            ),
            RiskPoint(
                "decide",
                "违规审批",
                "对不符合条件的申请作出准予决定，或越权审批",
                RiskLevel.HIGH,
                "受理、审查、决定分岗；决定结果公开",
                APPROVE_POST,
            ),
            RiskPoint(
                "deliver",
                "超期送达",
                "决定作出后未按时颁发、送达证件",
                RiskLevel.LOW,
                "送达时限红黄牌",
                ACCEPT_POST,
                rule="time_red",
            ),
        ),
        description="行政许可法第二十九条至第四十五条：申请、受理、审查、决定、送达",
        posts=(ACCEPT_POST, REVIEW_POST, HEARING_POST, APPROVE_POST, HEAD),
    )


def _penalty() -> Flow:
    """行政处罚 (普通程序): 立案 → 调查取证 → 审查 → 告知 → (听证) → 法制审核 → 决定 → 送达 → 执行."""
    steps = (
        Step(
            "file_case",
            "立案",
            StepKind.FILE_CASE,
            ENFORCE_POST,
            note="行政处罚法第五十四条第二款：符合立案标准的，应当及时立案",
        ),
        Step(
            "investigate",
            "调查取证",
            StepKind.INVESTIGATE,
            ENFORCE_POST,
            note="行政处罚法第四十二条、第五十四条、第五十五条：执法人员不少于两人，全面、客观、公正地调查",
        ),
        Step(
            "review",
            "审查",
            StepKind.REVIEW,
            REVIEW_POST,
            note="案件审核：提出拟处罚意见（行政处罚法第五十七条）",
        ),
        # 行政处罚法 art. 44: the party is told the proposed penalty, facts, reasons, basis and rights;
        # art. 64(1): a hearing must be asked for within 5 days of the notice; art. 85: working days. The
        # case waits here for the party's statement or hearing request until those 5 days have passed.
        Step(
            "notify",
            "告知",
            StepKind.NOTIFY,
            ENFORCE_POST,
            Limit(5, DayKind.WORKING),
            note="行政处罚法第四十四条、第四十五条；第六十四条第一项：当事人在告知后五日内提出听证要求",
        ),
        # 行政处罚法 art. 64(2): the hearing is announced 7 days before (a minimum, not a deadline);
        # art. 64(4): chaired by someone who did not investigate. The statute does not stop the 90-day
        # clock for hearings, so this step counts.
        Step(
            "hearing",
            "听证",
            StepKind.HEARING,
            HEARING_POST,
            note="行政处罚法第六十三条、第六十四条：举行听证七日前通知；由非本案调查人员主持",
        ),
        # 行政处罚法 art. 58: legal review before the decision in the listed cases.
        Step(
            "legal_review",
            "法制审核",
            StepKind.LEGAL_REVIEW,
            LEGAL_POST,
            note="行政处罚法第五十八条：未经法制审核或者审核未通过的，不得作出决定",
        ),
        Step(
            "decide",
            "决定",
            StepKind.DECIDE,
            HEAD,
            note="行政处罚法第五十七条：负责人审查后决定；情节复杂或者重大违法行为集体讨论决定",
        ),
        # 行政处罚法 art. 61: delivered within 7 days when the party is absent; art. 85: working days.
        Step(
            "deliver",
            "送达",
            StepKind.DELIVER,
            ENFORCE_POST,
            Limit(7, DayKind.WORKING),
            note="行政处罚法第六十一条：当事人不在场的，七日内送达",
        ),
        # 行政处罚法 art. 67 para. 3: the fine is paid within 15 days of receiving the decision (natural
        # days: art. 85 covers only 二日/三日/五日/七日); afterwards art. 72 measures apply.
        Step(
            "execute",
            "执行",
            StepKind.EXECUTE,
            EXECUTE_POST,
            Limit(15, DayKind.NATURAL),
            note="行政处罚法第六十七条：罚缴分离，当事人十五日内缴纳罚款；第七十二条",
        ),
    )
    transitions = (
        Transition("file_case", "pass", "investigate", NEXT, "立案"),
        Transition("file_case", "refuse", END, REJECT, "不予立案", "不符合立案标准"),
        Transition("investigate", "pass", "review", NEXT, "调查终结"),
        Transition("review", "pass", "notify", NEXT, "拟作出处罚"),
        Transition("review", "return", "investigate", RETURN, "补充调查"),
        Transition("notify", "pass", "legal_review", NEXT, "陈述申辩/放弃听证"),
        Transition(
            "notify", "hearing", "hearing", NEXT, "要求听证", "属第六十三条情形，当事人五日内要求听证"
        ),
        Transition("hearing", "done", "legal_review", NEXT, "听证结束", "根据听证笔录作出决定（第六十五条）"),
        Transition("legal_review", "pass", "decide", NEXT, "审核通过"),
        Transition(
            "legal_review",
            "return",
            "review",
            RETURN,
            "审核未通过",
            "未经法制审核或者审核未通过的，不得作出决定（第五十八条）",
        ),
        Transition("decide", "penalize", "deliver", NEXT, "作出处罚决定"),
        Transition("decide", "no_penalty", "deliver", NEXT, "不予处罚", "第五十七条第一款第二项、第三项"),
        Transition(
            "decide", "transfer", END, TERMINATE, "移送司法机关", "违法行为涉嫌犯罪（第五十七条第一款第四项）"
        ),
        Transition("decide", "return", "investigate", RETURN, "补充调查"),
        Transition("deliver", "execute", "execute", NEXT, "已送达，待执行"),
        Transition("deliver", "done", END, NEXT, "已送达，无需执行"),
        Transition("execute", "done", END, NEXT, "执行完毕"),
        Transition("execute", "enforce", END, TERMINATE, "转强制执行", "逾期不履行（第七十二条）"),
    )
    return Flow(
        name="行政处罚通用流程（普通程序）",
        category="penalty",
        steps=steps,
        transitions=transitions,
        # 行政处罚法 art. 60: decide within 90 days of 立案 (natural days, art. 85). No statutory extension.
        case_limit=Limit(90, DayKind.NATURAL),
        separation=(
            SeparationGroup(
                "调查、决定、执行分离",
                ("investigate", "decide", "execute"),
                "分事行权：调查、决定、执行由不同人员；行政处罚法第六十七条：罚缴分离",
            ),
            SeparationGroup("调查与听证主持分离", ("investigate", "hearing"), "行政处罚法第六十四条第四项"),
            # Local practice (重大执法决定法制审核制度): the legal reviewer did not investigate the case.
            SeparationGroup(
                "调查与法制审核分离", ("investigate", "legal_review"), "重大执法决定法制审核制度（实践做法）"
            ),
        ),
        risks=(
            RiskPoint(
                "investigate",
                "选择性执法",
                "调查取证不全面，隐匿、毁弃证据",
                RiskLevel.HIGH,
                "两人以上执法；全过程记录；调查与决定分离",
                ENFORCE_POST,
            ),
            RiskPoint(
                "notify",
                "未依法告知",
                "未告知拟处罚内容或陈述、申辩、听证权利",
                RiskLevel.MEDIUM,
                "告知书留痕；未告知不得进入决定环节",
                ENFORCE_POST,
            ),
            RiskPoint(
                "decide",
                "自由裁量权滥用",
                "同案不同罚，畸轻畸重",
                RiskLevel.HIGH,
                "执行裁量基准；法制审核；重大案件集体讨论",
                HEAD,
            ),
            RiskPoint(
                "execute",
                "罚缴不分离",
                "执法人员自行收缴罚款",
                RiskLevel.HIGH,
                "罚款直接缴入指定银行；决定与执行分岗",
                EXECUTE_POST,
            ),
        ),
        description="行政处罚法第五章第三节、第四节及第六章",
        posts=(ENFORCE_POST, REVIEW_POST, HEARING_POST, LEGAL_POST, HEAD, EXECUTE_POST),
    )


def _coercion() -> Flow:
    """行政强制执行 by the agency itself (行政强制法 ch. 4): like 处罚, with 催告 before the decision."""
    steps = (
        Step(
            "file_case",
            "立案",
            StepKind.FILE_CASE,
            ENFORCE_POST,
            note="行政强制法第三十四条：当事人在决定期限内不履行义务",
        ),
        Step(
            "investigate", "调查核实", StepKind.INVESTIGATE, ENFORCE_POST, note="核实当事人未履行义务的情况"
        ),
        # 行政强制法 art. 35: a written 催告 before the enforcement decision; art. 36: the party may state
        # its case. Local practice: 10 days, mirroring art. 54 (申请法院执行 after 催告书送达十日);
        # art. 69: periods of ten days or less are working days.
        Step(
            "notify",
            "催告",
            StepKind.NOTIFY,
            ENFORCE_POST,
            Limit(10, DayKind.WORKING),
            note="行政强制法第三十五条、第三十六条：书面催告，听取陈述和申辩",
        ),
        # Local practice (重大执法决定法制审核制度), not a requirement of 行政强制法.
        Step(
            "legal_review",
            "法制审核",
            StepKind.LEGAL_REVIEW,
            LEGAL_POST,
            note="重大执法决定法制审核（实践做法）",
        ),
        Step(
            "decide",
            "强制执行决定",
            StepKind.DECIDE,
            HEAD,
            note="行政强制法第三十七条：经催告逾期仍不履行的，作出强制执行决定",
        ),
        Step("deliver", "送达", StepKind.DELIVER, ENFORCE_POST, note="行政强制法第三十八条：直接送达"),
        Step("execute", "强制执行", StepKind.EXECUTE, EXECUTE_POST, note="行政强制法第四十三条至第四十七条"),
    )
    transitions = (
        Transition("file_case", "pass", "investigate", NEXT, "立案"),
        Transition("file_case", "refuse", END, REJECT, "不予立案"),
        Transition("investigate", "pass", "notify", NEXT, "发出催告"),
        Transition("investigate", "performed", END, TERMINATE, "已履行"),
        Transition("notify", "pass", "legal_review", NEXT, "逾期仍不履行"),
        Transition("notify", "performed", END, TERMINATE, "已履行", "当事人在催告期内履行义务"),
        Transition("legal_review", "pass", "decide", NEXT, "审核通过"),
        Transition("legal_review", "return", "investigate", RETURN, "审核未通过"),
        Transition("decide", "enforce", "deliver", NEXT, "决定强制执行"),
        Transition(
            "decide", "drop", END, TERMINATE, "不予强制执行", "陈述、申辩的事实、理由成立（第三十六条）"
        ),
        Transition("decide", "return", "investigate", RETURN, "补充调查"),
        Transition("deliver", "done", "execute", NEXT, "已送达"),
        Transition("execute", "done", END, NEXT, "执行完毕"),
        Transition("execute", "suspend", END, TERMINATE, "中止/终结执行", "第三十九条、第四十条"),
    )
    return Flow(
        name="行政强制执行通用流程",
        category="coercion",
        steps=steps,
        transitions=transitions,
        # No general statutory case limit for enforcement. (查封、扣押 as measures last at most 30 days,
        # +30 with the head's approval, 行政强制法 art. 25: a separate measure flow would carry that.)
        separation=(
            SeparationGroup(
                "调查、决定、执行分离",
                ("investigate", "decide", "execute"),
                "分事行权：调查、决定、执行由不同人员",
            ),
        ),
        description="行政强制法第四章第一节：催告、陈述申辩、强制执行决定、送达、执行",
        posts=(ENFORCE_POST, LEGAL_POST, HEAD, EXECUTE_POST),
    )


def _inspection() -> Flow:
    """行政检查: 检查 → 处理 (→ 复查)."""
    steps = (
        # Two inspectors at least (cf. 行政处罚法 art. 42, 行政强制法 art. 18(2)): one post, two holders.
        Step("inspect", "检查", StepKind.SITE_CHECK, ENFORCE_POST, note="出示执法证件，制作检查笔录"),
        Step("handle", "处理", StepKind.DECIDE, LEADER, note="责令整改、移送立案或办结"),
        Step("recheck", "复查", StepKind.SITE_CHECK, ENFORCE_POST, note="整改期满复查"),
    )
    transitions = (
        Transition("inspect", "found", "handle", NEXT, "发现问题"),
        Transition("inspect", "clear", END, NEXT, "未发现问题"),
        Transition("handle", "rectify", "recheck", NEXT, "责令整改"),
        Transition("handle", "transfer", END, TERMINATE, "移送立案", "涉嫌违法，转入行政处罚流程"),
        Transition("handle", "close", END, NEXT, "办结"),
        Transition("recheck", "done", END, NEXT, "整改到位"),
        Transition("recheck", "fail", "handle", RETURN, "整改不到位"),
    )
    return Flow(
        name="行政检查通用流程",
        category="inspection",
        steps=steps,
        transitions=transitions,
        separation=(
            SeparationGroup("检查与处理分离", ("inspect", "handle"), "分事行权：检查与处理由不同人员"),
        ),
        description="检查 → 处理 → 复查",
        posts=(ENFORCE_POST, LEADER),
    )


def _application(
    *,
    category: str,
    name: str,
    review: str,
    decide: str,
    grant: str,
    refuse: str,
    publicity: bool = False,
    description: str = "",
) -> Flow:
    """受理 → 审核 (→ 公示) → 决定 → 送达, for the categories without a general procedural statute.

    The limits are local practice borrowed from 行政许可法 (5 days to ask for 补正, art. 32; 10 days to
    deliver, art. 44); there is no case limit: the unit enters its promised time (承诺时限) or the
    special law's limit.
    """
    steps = [
        Step(
            "accept",
            "受理",
            StepKind.ACCEPT,
            ACCEPT_POST,
            Limit(5, DayKind.WORKING),
            note="实践做法：五个工作日内一次告知补正",
        ),
        Step("review", review, StepKind.REVIEW, REVIEW_POST),
    ]
    if publicity:
        # Local practice: results are shown for 7 natural days before the decision.
        steps.append(
            Step(
                "publicity",
                "公示",
                StepKind.PUBLICITY,
                REVIEW_POST,
                Limit(7, DayKind.NATURAL),
                publicity=True,
                note="实践做法：公示七日",
            )
        )
    steps += [
        Step("decide", decide, StepKind.DECIDE, APPROVE_POST),
        Step(
            "deliver",
            "送达",
            StepKind.DELIVER,
            ACCEPT_POST,
            Limit(10, DayKind.WORKING),
            note="实践做法：十个工作日内送达",
        ),
    ]
    after_review = "publicity" if publicity else "decide"
    transitions = [
        Transition("accept", "pass", "review", NEXT, "受理"),
        Transition("accept", "correct", "accept", CORRECTION, "需补正", "材料不齐全或者不符合法定形式"),
        Transition("accept", "refuse", END, REJECT, "不予受理"),
        Transition("review", "pass", after_review, NEXT, "审核通过"),
        Transition("review", "return", "accept", RETURN, "退回受理"),
    ]
    if publicity:
        transitions += [
            Transition("publicity", "pass", "decide", NEXT, "公示无异议"),
            Transition("publicity", "objection", "review", RETURN, "有异议", "异议经核实需重新审核"),
        ]
    transitions += [
        Transition("decide", "grant", "deliver", NEXT, grant),
        Transition("decide", "refuse", "deliver", REJECT, refuse, "书面说明理由"),
        Transition("decide", "return", "review", RETURN, "退回重审"),
        Transition("deliver", "done", END, NEXT, "已送达"),
    ]
    return Flow(
        name=name,
        category=category,
        steps=tuple(steps),
        transitions=tuple(transitions),
        separation=(
            SeparationGroup(
                "受理、审核、决定分离", ("accept", "review", "decide"), "分岗设权：受理、办理、批准由不同人员"
            ),
        ),
        description=description,
        posts=(ACCEPT_POST, REVIEW_POST, APPROVE_POST),
    )


def _levy() -> Flow:
    return _application(
        category="levy",
        name="行政征收通用流程",
        review="核定",
        decide="征收决定",
        grant="决定征收",
        refuse="不予征收",
        description="申报受理 → 核定 → 征收决定 → 送达缴款通知",
    )


def _benefit() -> Flow:
    return _application(
        category="benefit",
        name="行政给付通用流程",
        review="审核",
        decide="给付决定",
        grant="准予给付",
        refuse="不予给付",
        publicity=True,
        description="受理 → 审核 → 公示 → 给付决定 → 送达",
    )


def _confirmation() -> Flow:
    return _application(
        category="confirmation",
        name="行政确认通用流程",
        review="审核",
        decide="确认决定",
        grant="予以确认",
        refuse="不予确认",
    )


def _reward() -> Flow:
    return _application(
        category="reward",
        name="行政奖励通用流程",
        review="审核",
        decide="奖励决定",
        grant="决定奖励",
        refuse="不予奖励",
        publicity=True,
        description="推荐受理 → 审核 → 公示 → 奖励决定 → 颁发",
    )


def _adjudication() -> Flow:
    return _application(
        category="adjudication",
        name="行政裁决通用流程",
        review="审理",
        decide="裁决",
        grant="作出裁决",
        refuse="驳回申请",
    )


def _other() -> Flow:
    return _application(
        category="other",
        name="其他行政权力通用流程",
        review="审核",
        decide="决定",
        grant="同意",
        refuse="不同意",
    )


def _public_service() -> Flow:
    return _application(
        category="public_service",
        name="公共服务通用流程",
        review="办理",
        decide="办结审核",
        grant="办结",
        refuse="不予办理",
    )


_BUILDERS: dict[str, Callable[[], Flow]] = {
    "licensing": _licensing,
    "penalty": _penalty,
    "coercion": _coercion,
    "levy": _levy,
    "benefit": _benefit,
    "inspection": _inspection,
    "confirmation": _confirmation,
    "reward": _reward,
    "adjudication": _adjudication,
    "other": _other,
    "public_service": _public_service,
}

TEMPLATE_CATEGORIES: tuple[str, ...] = tuple(_BUILDERS)
