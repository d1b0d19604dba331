"""The supervision rules by stable name (pure; no Django): what a risk point may bind itself to.

The rules themselves run in the supervision app; this catalogue is the contract other parts check
names against (a risk map naming a rule that does not exist is refused), so it holds every rule the
e-supervision centre runs, each with its Chinese description.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "time_yellow": "黄牌：环节或办件用时达到时限的设定比例（默认80%，调整后对此后开始计时的环节和办件生效）或距时限不足一个工作日",
    "time_red": "红牌：环节或办件超过法定或承诺时限",
    "separation_breach": "分岗设权被突破：同一人办理了须由不同人员办理的环节",
    "skipped_step": "跳过环节：办件路径缺少流程规定的环节",
    "out_of_order": "顺序不符：办件环节的先后与流程不符",
    "outside_list": "清单之外行使权力：依据未公布、已取消或不存在的权力事项办件",
    "repeated_correction": "多次补正：同一办件不止一次要求补正，或未见申请人补交材料又要求补正（行政许可法第三十二条）",
    "unapproved_extension": "未经批准延期：延长办理期限未经负责人批准（行政许可法第四十二条）",
    "after_hours_decision": "非工作时间决定：在夜间或非工作日作出决定",
    "unknown_person": "人员无法对应：外部系统事件中的办理人对应不到本单位人员，分岗设权无从核对（请登记人员对照）",
    "ingest_gap": "接入缺口：外部系统办件的事件缺少前序事件超过设定时长，其后的事件无法核对（补齐后自动解除）",
    "unauthorised_attempt": "越权办理：不在该环节岗位的人员（包括其他单位的人员）试图办理或认领环节，已被拦截",
    "frequent_return": "频繁退回：环节被退回超过设定次数",
    "leader_oversight": "一把手分管例外：主要负责人直接分管受限事项的例外登记",
    "provisional_calendar": "暂定日历：到期日按未录入节假日安排的年份暂定计算",
    "undecided_major_spending": "大额资金未经集体决策：达到本单位重大事项目录金额标准的支付，未注明或对应不到本单位此前集体决策通过的决定",
    "undecided_appointment": "任免未经集体决策：干部任免未注明或对应不到本单位此前集体决策通过的人事任免决定",
    "split_below_threshold": "拆分支付规避决策：同一收款人、同一用途在设定天数内的多笔支付，每笔低于集体决策标准、合计达到标准",
    "decision_by_one": "个人决定重大事项：通过的决定在会上除主要负责人外无人表态，或支付、任免注明的决策编号不在决策登记簿中",
    "quorum_override": "到会人数不足后仍作决定：议题因到会人数不足被拒绝讨论后，在同一次会议上又作出决定",
}

# Rules whose findings mark a record for the data steward rather than card a unit (level "notice"): the
# unit did nothing wrong when a year's holiday notice has not been entered yet.
MARKERS: frozenset[str] = frozenset({"provisional_calendar"})

# Where the head of a description would not do as a rule's short name.
SHORT_NAMES: dict[str, str] = {"time_yellow": "临近时限", "time_red": "超过时限"}


# The rules' parameters by their Chinese names (pages and forms never show a parameter's key).
PARAM_NAMES: dict[str, str] = {
    "share": "预警比例（时限的几成）",
    "day_starts": "工作时间开始",
    "day_ends": "工作时间结束",
    "max_returns": "允许退回次数",
    "hours": "等待时长（小时）",
    "window_days": "时间窗口（天）",
}


def param_name(key: str) -> str:
    return PARAM_NAMES.get(key, "参数")


def short_name(rule: str) -> str:
    """A rule's short Chinese name for pages and reports (the head of its description); never its key."""
    if rule in SHORT_NAMES:
        return SHORT_NAMES[rule]
    return RULES.get(rule, "未知规则").split("：", 1)[0]


def unknown(names: list[str]) -> list[str]:
    """The names among `names` that are not rules (empty names are "no rule" and pass)."""
    return [name for name in names if name and name not in RULES]
