"""Six weeks of cases in the demo city, so that the supervision dashboards are alive and every rule has
an alert to open.

History arrives the way other systems' history does: through the ingest path, as JSON lines with the
times they happened (市民政局's, 市国土局's, 市经信委's and 市财政局's business systems, and 平遥县民政局's,
whose list is not published yet). The replay goes day by day: each day's events are sent in one batch
per system, then the periodic sweep runs as of that evening, so alerts are raised on the day they would
have been and the weekly trends have a past. Per-event supervision is off while history is replayed
(it would judge old events against today's clock); the sweep does that job, as for any bulk import.
Today's work is done in the console through the real actions (市民政局's 经办 and 审核, 市财政局's staff),
and a 纪检 inspector then takes a few alerts through their handling.

Most cases run clean, a share of steps finish late, and a few breaches are planted: 分岗设权 (one person
accepted and approved), a skipped 公示, a step done out of order, activity under a withdrawn power and
under an unpublished list, three 退回 of one case, a decision at night, a second 补正 refused, a clerk of
another unit reaching into a case (越权, refused and recorded), a step recorded under a shared account
that is nobody on the staff, and an
extension without the head's approval (市财政局 republishes 会计代理记账许可 with a 延期 at 决定 for that).
With the org demo's recorded 一把手 exception and penal cases whose 90 days reach a year without a
holiday schedule, every rule has at least one alert (but the gap in another system's events, which needs
a real day of waiting after they arrive). The events are drawn from a seeded generator, so a
given day always gives the same demo; running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace

from django.test.utils import override_settings
from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.cases import actions, engine, ingest
from liuquan.cases import queries as case_queries
from liuquan.cases.models import Case, IngestSource
from liuquan.core.calendar import WorkCalendar
from liuquan.core.errors import Forbidden
from liuquan.flows import actions as flow_actions
from liuquan.flows import queries as flow_queries
from liuquan.flows.models import FlowStatus, ProcessDefinition
from liuquan.flows.spec import (
    END,
    DayKind,
    Flow,
    RiskLevel,
    RiskPoint,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)
from liuquan.org import actions as org_actions
from liuquan.org.models import Leadership, Person, PostHolding, Role, RoleGrant, Unit
from liuquan.powers import demo as powers_demo
from liuquan.supervision import actions as supervision_actions
from liuquan.supervision import sweep
from liuquan.supervision.models import Alert, AlertStatus

SEED = 2015
HISTORY_WEEKS = 6
SWEEP_AT = dt.time(18, 0)  # the replay's daily sweep; events after it are swept the next day
CITY_MZJ, GTJ, JXW, CZJ, COUNTY_MZJ = "140700-MZJ", "140700-GTJ", "140700-JXW", "140700-CZJ", "140728-MZJ"
# (system name, unit, new cases per working day, share of limited steps finished late)
SOURCES = [
    ("市民政局业务系统", CITY_MZJ, 1.6, 0.10),
    ("市国土资源局审批系统", GTJ, 0.4, 0.25),
    ("市经信委行政审批系统", JXW, 0.8, 0.15),
    ("市财政局会计管理系统", CZJ, 0.4, 0.08),
    ("平遥县民政局低保系统", COUNTY_MZJ, 0.0, 0.0),
]
CATEGORY_WEIGHTS = {
    "licensing": 4,
    "benefit": 2,
    "confirmation": 3,
    "penalty": 1,
    "inspection": 2,
    "reward": 1,
    "levy": 1,
    "other": 1,
}
APPLICANTS = [
    "晋中市榆次区志愿者协会",
    "晋中市老年书画研究会",
    "平遥县古城文化交流中心",
    "太谷区晋商文化研究会",
    "介休市绵山养老服务中心",
    "灵石县红十字志愿服务队",
    "祁县昭馀社区服务中心",
    "晋中市青年创业促进会",
]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _withdrawn_code(name: str) -> str:
    """The code 市国土局's list gave a power it later withdrew (powers.demo numbers them in order)."""
    index = next(n for n, row in enumerate(powers_demo.GTJ, 1) if row[0] == name)
    return f"GTJ{index:03d}"


@dataclass
class Event:
    step: str
    action: str  # "start" | "complete"
    person: str
    at: dt.datetime
    outcome: str = ""


@dataclass
class Planned:
    source: str
    unit: str
    case_id: str
    power_code: str
    events: list[Event] = field(default_factory=list)

    def lines(self, until: dt.datetime) -> Iterator[tuple[int, Event]]:
        for seq, event in enumerate(self.events, start=1):
            if event.at <= until:
                yield seq, event


class Timeline:
    """Working-day arithmetic around the demo's today, on the calendar in force."""

    def __init__(self, calendar: WorkCalendar, today: dt.date, rng: random.Random) -> None:
        self.calendar = calendar
        self.today = today
        self.rng = rng

    def workday(self, day: dt.date) -> bool:
        return self.calendar.is_workday(day).is_workday

    def back(self, n: int) -> dt.date:
        """The n-th working day before today."""
        day = self.today
        while n > 0:
            day -= dt.timedelta(days=1)
            if self.workday(day):
                n -= 1
        return day

    def ahead(self, day: dt.date, n: int) -> dt.date:
        return self.calendar.due_date(day, n).due if n > 0 else day

    def next_workday(self, day: dt.date) -> dt.date:
        while not self.workday(day):
            day += dt.timedelta(days=1)
        return day

    def at(self, day: dt.date, clock: str) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=SHANGHAI)

    def office_time(self, day: dt.date, after: dt.datetime | None = None) -> dt.datetime:
        """A time in office hours on `day`, later than `after`."""
        moment = self.at(day, "08:40") + dt.timedelta(minutes=self.rng.randint(0, 9 * 60))
        if after is not None and moment <= after:
            moment = after + dt.timedelta(minutes=self.rng.randint(10, 90))
        return moment


# Who does what: the unit's post holders, by the names the other systems record ---------------------


def holders(unit: Unit) -> dict[str, str]:
    """Post name → the full name of its current holder (what another system writes as the person)."""
    names: dict[str, str] = {}
    for holding in PostHolding.objects.filter(post__unit=unit, until__isnull=True).select_related(
        "post", "person"
    ):
        names.setdefault(holding.post.name, holding.person.full_name)
    return names


def main_path(flow: Flow) -> list[tuple[str, str]]:
    """(step, outcome) along each step's first onward transition, from the start to the end."""
    path: list[tuple[str, str]] = []
    key, seen = flow.start, set()
    while key != END and key not in seen:
        seen.add(key)
        move = next(
            (t for t in flow.outgoing(key) if t.kind is TransitionKind.NEXT),
            None,
        )
        if move is None:
            break
        path.append((key, move.outcome))
        key = move.target
    return path


def _typical_days(step: Step, rng: random.Random) -> int:
    """Working days a step without a limit usually takes."""
    spans = {
        StepKind.FILE_CASE: (0, 1),
        StepKind.INVESTIGATE: (4, 12),
        StepKind.REVIEW: (1, 5),
        StepKind.LEGAL_REVIEW: (1, 3),
        StepKind.DECIDE: (0, 3),
        StepKind.SITE_CHECK: (1, 6),
    }
    low, high = spans.get(step.kind, (1, 3))
    return rng.randint(low, high)


class Planner:
    """The demo's cases, each a list of events with their times (some later than now: not yet)."""

    def __init__(self, today: dt.date, calendar: WorkCalendar) -> None:
        self.rng = random.Random(f"{SEED}/{today.isoformat()}")
        self.time = Timeline(calendar, today, self.rng)
        self.today = today
        self.cases: list[Planned] = []
        self.flows: dict[str, dict[str, Flow]] = {}
        self.people: dict[str, dict[str, str]] = {}
        self.numbers: dict[str, int] = defaultdict(int)

    def load(self, unit: Unit) -> None:
        self.flows[unit.code] = {
            row.power_code: row.flow
            for row in ProcessDefinition.objects.filter(unit=unit, status=FlowStatus.PUBLISHED).order_by(
                "power_code"
            )
        }
        self.people[unit.code] = holders(unit)

    def new_case(self, source: str, unit: str, power: str, opened: dt.date) -> Planned:
        self.numbers[source] += 1
        prefix = unit.split("-")[1]
        case = Planned(source, unit, f"{prefix}-{opened:%Y%m%d}-{self.numbers[source]:03d}", power)
        self.cases.append(case)
        return case

    def person(self, unit: str, flow: Flow, step: str) -> str:
        found = flow.step(step)
        post = found.post if found else ""
        return self.people[unit].get(post, "") or next(iter(self.people[unit].values()), "经办人")

    # The background: ordinary days of ordinary cases -------------------------------------------------

    def background(self, source: str, unit: str, per_day: float, late_share: float) -> None:
        flows = self.flows.get(unit, {})
        choices = [
            (code, CATEGORY_WEIGHTS.get(flow.category, 0)) for code, flow in flows.items() if flow.steps
        ]
        choices = [(code, weight) for code, weight in choices if weight]
        if not choices:
            return
        start = self.today - dt.timedelta(weeks=HISTORY_WEEKS)
        start -= dt.timedelta(days=start.weekday())
        day = start
        while day <= self.today:
            if self.time.workday(day):
                count = int(per_day) + (1 if self.rng.random() < per_day % 1 else 0)
                for _ in range(count):
                    code = self.rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
                    self.run(self.new_case(source, unit, code, day), flows[code], day, late_share)
            day += dt.timedelta(days=1)

    def run(self, case: Planned, flow: Flow, opened: dt.date, late_share: float) -> None:
        """Events along the flow's main path, with the occasional 补正 and a share of late steps."""
        path = main_path(flow)
        rng = self.rng
        moment = self.time.office_time(opened)
        first = path[0][0]
        case.events.append(Event(first, "start", self.person(case.unit, flow, first), moment))
        corrects = any(t.outcome == "correct" for t in flow.outgoing(first))
        if corrects and rng.random() < 0.12:
            moment = self.time.office_time(self.time.ahead(moment.date(), rng.randint(0, 2)), moment)
            case.events.append(
                Event(first, "complete", self.person(case.unit, flow, first), moment, "correct")
            )
            # The applicant takes a few days to answer; the other system records the new 受理.
            moment = self.time.office_time(self.time.ahead(moment.date(), rng.randint(2, 6)), moment)
        for key, outcome in path:
            step = flow.step(key)
            assert step is not None
            moment = self.finish(step, moment, late_share)
            if (
                key == "inspect"
                and rng.random() < 0.5
                and any(t.outcome == "clear" for t in flow.outgoing(key))
            ):
                case.events.append(Event(key, "complete", self.person(case.unit, flow, key), moment, "clear"))
                return
            case.events.append(Event(key, "complete", self.person(case.unit, flow, key), moment, outcome))

    def finish(self, step: Step, started: dt.datetime, late_share: float) -> dt.datetime:
        """When a step begun at `started` is done: within its limit, or (now and then) past it."""
        rng = self.rng
        day = started.date()
        limit = step.limit
        if limit is None or step.suspends_clock:
            end = self.time.ahead(day, _typical_days(step, rng))
        elif limit.kind is DayKind.NATURAL:
            if step.publicity:  # a 公示 runs its full term
                days = limit.days + rng.randint(0, 1)
            elif rng.random() < late_share:
                days = limit.days + rng.randint(1, 4)
            else:
                days = rng.randint(max(1, limit.days // 3), limit.days - 1)
            end = self.time.next_workday(day + dt.timedelta(days=days))
        elif rng.random() < late_share:
            end = self.time.ahead(day, limit.days + rng.randint(1, 3))
        else:
            end = self.time.ahead(day, rng.randint(max(0, limit.days // 5), max(1, limit.days * 7 // 10)))
        return self.time.office_time(end, started)

    # The planted cases: each rule's breach, or its clock, once ----------------------------------------

    def planted(self) -> None:
        t = self.time
        mzj, gtj, jxw = self.flows[CITY_MZJ], self.flows[GTJ], self.flows[JXW]

        def steps(case: Planned, flow: Flow, rows: list[tuple[str, int, str, str]]) -> None:
            """(step, working days before today, outcome, who: a post or "=other step's person")."""
            for index, (key, back, outcome, who) in enumerate(rows):
                day = t.back(back) if back > 0 else self.today
                person = self.person(case.unit, flow, who) if who else self.person(case.unit, flow, key)
                moment = t.office_time(day, case.events[-1].at if case.events else None)
                action = "start" if index == 0 and outcome == "" else "complete"
                case.events.append(Event(key, action, person, moment, outcome))

        # 分岗设权: 市国土局's 受理岗 holder also approves a mining licence.
        flow = gtj["GTJ002"]
        case = self.new_case("市国土资源局审批系统", GTJ, "GTJ002", t.back(16))
        steps(
            case,
            flow,
            [
                ("accept", 16, "", ""),
                ("accept", 15, "pass", ""),
                ("review", 12, "pass", ""),
                ("decide", 11, "grant", "accept"),
                ("deliver", 9, "done", ""),
            ],
        )
        # 人员无法对应: a mining licence reviewed under the system's shared administrator account, which is
        # nobody on 市国土局's staff.
        case = self.new_case("市国土资源局审批系统", GTJ, "GTJ002", t.back(13))
        steps(
            case,
            flow,
            [
                ("accept", 13, "", ""),
                ("accept", 13, "pass", ""),
                ("review", 10, "pass", ""),
                ("decide", 8, "grant", ""),
                ("deliver", 6, "done", ""),
            ],
        )
        case.events[2] = replace(case.events[2], person="审批系统管理员")
        # 跳过环节: 低保 decided without its 公示.
        flow = mzj["MZJ003"]
        case = self.new_case("市民政局业务系统", CITY_MZJ, "MZJ003", t.back(14))
        steps(
            case,
            flow,
            [
                ("accept", 14, "", ""),
                ("accept", 14, "pass", ""),
                ("review", 11, "pass", ""),
                ("decide", 9, "grant", ""),
                ("deliver", 7, "done", ""),
            ],
        )
        # 顺序不符: accepted again after the review.
        flow = jxw["JXW001"]
        case = self.new_case("市经信委行政审批系统", JXW, "JXW001", t.back(18))
        steps(
            case,
            flow,
            [
                ("accept", 18, "", ""),
                ("accept", 17, "pass", ""),
                ("review", 12, "pass", ""),
                ("accept", 11, "pass", ""),
                ("review", 10, "pass", ""),
                ("decide", 8, "grant", ""),
                ("deliver", 6, "done", ""),
            ],
        )
        # 清单之外: a fee 市国土局 withdrew from its list, still collected; a county office without a list.
        code = _withdrawn_code("土地登记费")
        case = self.new_case("市国土资源局审批系统", GTJ, code, t.back(6))
        case.events.append(
            Event(
                "accept",
                "complete",
                self.people[GTJ].get("受理岗", "经办人"),
                t.office_time(t.back(6)),
                "pass",
            )
        )
        case = self.new_case("平遥县民政局低保系统", COUNTY_MZJ, "PYMZ003", t.back(4))
        case.events.append(Event("accept", "complete", "低保经办员", t.office_time(t.back(4)), "pass"))
        # 频繁退回: a foundation's registration sent back three times.
        flow = mzj["MZJ015"]
        case = self.new_case("市民政局业务系统", CITY_MZJ, "MZJ015", t.back(24))
        steps(
            case,
            flow,
            [
                ("accept", 24, "", ""),
                ("accept", 23, "pass", ""),
                ("review", 21, "pass", ""),
                ("decide", 20, "return", ""),
                ("review", 19, "pass", ""),
                ("decide", 18, "return", ""),
                ("review", 15, "pass", ""),
                ("decide", 15, "return", ""),
                ("review", 13, "pass", ""),
                ("decide", 12, "grant", ""),
                ("deliver", 10, "done", ""),
            ],
        )
        # 非工作时间决定: a registration approved at 22:40.
        flow = mzj["MZJ002"]
        case = self.new_case("市民政局业务系统", CITY_MZJ, "MZJ002", t.back(10))
        steps(case, flow, [("accept", 10, "", ""), ("accept", 10, "pass", "")])
        evening = t.back(5)
        case.events.append(
            Event("review", "complete", self.person(CITY_MZJ, flow, "review"), t.at(evening, "19:10"), "pass")
        )
        case.events.append(
            Event(
                "decide", "complete", self.person(CITY_MZJ, flow, "decide"), t.at(evening, "22:40"), "grant"
            )
        )
        case.events.append(
            Event(
                "deliver",
                "complete",
                self.person(CITY_MZJ, flow, "deliver"),
                t.office_time(t.back(3)),
                "done",
            )
        )
        # 黄牌: a registration whose 审查 is due within a working day or so, still open.
        flow = mzj["MZJ001"]
        review = flow.step("review")
        assert review is not None and review.limit is not None
        accepted = next(
            (
                t.back(n)
                for n in range(review.limit.days + 2, 0, -1)
                if engine.clock(t.calendar, t.back(n), review.limit).due >= self.today
                and engine.clock(t.calendar, t.back(n), review.limit).warn <= self.today
            ),
            t.back(review.limit.days - 1),
        )
        case = self.new_case("市民政局业务系统", CITY_MZJ, "MZJ001", accepted)
        case.events.append(
            Event("accept", "start", self.person(CITY_MZJ, flow, "accept"), t.at(accepted, "09:05"))
        )
        case.events.append(
            Event(
                "accept", "complete", self.person(CITY_MZJ, flow, "accept"), t.at(accepted, "10:20"), "pass"
            )
        )
        # 红牌: an elderly-care licence stuck in 审查; a mining licence past its 20 days.
        flow = mzj["MZJ020"]
        case = self.new_case("市民政局业务系统", CITY_MZJ, "MZJ020", t.back(16))
        steps(case, flow, [("accept", 16, "", ""), ("accept", 16, "pass", "")])
        flow = gtj["GTJ001"]
        case = self.new_case("市国土资源局审批系统", GTJ, "GTJ001", t.back(26))
        steps(case, flow, [("accept", 26, "", ""), ("accept", 25, "pass", ""), ("review", 14, "pass", "")])
        # 暂定日历: a penalty case filed this week; its 90 days may reach a year with no holiday schedule.
        flow = mzj["MZJ024"]
        case = self.new_case("市民政局业务系统", CITY_MZJ, "MZJ024", t.back(2))
        steps(case, flow, [("file_case", 2, "", ""), ("file_case", 2, "pass", "")])


# The replay ------------------------------------------------------------------------------------------


def _batches(plan: list[Planned], now: dt.datetime) -> dict[dt.date, dict[str, list[str]]]:
    """Day → system → its JSON lines: what each system sends at the end of each day (events after the
    evening sweep go with the next day's batch)."""
    batches: dict[dt.date, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    local_today = timezone.localtime(now).date()
    for case in plan:
        for seq, event in case.lines(now):
            local = event.at.astimezone(SHANGHAI)
            day = local.date() + (dt.timedelta(days=1) if local.time() >= SWEEP_AT else dt.timedelta())
            body = {
                "source": case.source,
                "case_id": case.case_id,
                "seq": seq,
                "power_code": case.power_code,
                "step": event.step,
                "action": event.action,
                "person": event.person,
                "time": local.isoformat(timespec="seconds"),
                "outcome": event.outcome,
            }
            batches[min(day, local_today)][case.source].append(json.dumps(body, ensure_ascii=False))
    return batches


def _replay(
    system: Person,
    sources: dict[str, IngestSource],
    plan: list[Planned],
    now: dt.datetime,
    workday: Callable[[dt.date], bool],
    progress: Callable[[str], None],
) -> int:
    made = 0
    batches = _batches(plan, now)
    if not batches:
        return 0
    today = timezone.localtime(now).date()
    day = min(batches)
    while day <= today:
        for name, lines in sorted(batches.get(day, {}).items()):
            ingest.do_ingest(actor=system, source=sources[name], body="\n".join(lines))
            made += 1
        if day < today and workday(day):  # the sweep runs every minute; once a working day does here
            # In UTC, as timezone.now() gives it: the alerts' ledger entries record the time as given.
            evening = dt.datetime.combine(day, SWEEP_AT, tzinfo=SHANGHAI).astimezone(dt.UTC)
            if sweep.run_sweep(today=day, now=evening).total:
                made += 1
        day += dt.timedelta(days=1)
    progress(f"history: {Case.objects.filter(source__startswith='ingest:').count()} ingested cases")
    return made


# Today, in the console -------------------------------------------------------------------------------


def _seat(unit: Unit, post: str) -> Person:
    holding = PostHolding.objects.filter(post__unit=unit, post__name=post, until__isnull=True).select_related(
        "person"
    )
    found = holding.order_by("pk").first()
    if found is None:
        raise LookupError(f"the demo unit {unit.code} has nobody in {post}")
    return found.person


def _extension_flow(system: Person, unit: Unit) -> int:
    """市财政局 republishes 会计代理记账许可 with a 延期 at 决定 that needs the head's approval."""
    current = flow_queries.flow_in_force(unit, "CZJ001")
    if current is None or any(
        t.kind is TransitionKind.EXTEND and t.source == t.target for t in current.flow.transitions
    ):
        return 0
    flow = current.flow
    extended = replace(
        flow,
        transitions=(
            *flow.transitions,
            Transition(
                "decide",
                "extend",
                "decide",
                TransitionKind.EXTEND,
                "延长期限",
                "二十日内不能作出决定的，经本机关负责人批准可延长十日（行政许可法第四十二条）",
            ),
        ),
        risks=(
            *flow.risks,
            RiskPoint(
                "decide",
                "擅自延期",
                "未经负责人批准延长办理期限",
                RiskLevel.MEDIUM,
                "延期须负责人在系统中批准，电子监察预警",
                "审批岗",
                rule="unapproved_extension",
            ),
        ),
    )
    draft = flow_actions.do_create_flow(actor=system, unit=unit, power_code="CZJ001", flow=extended)
    flow_actions.do_publish_flow(actor=system, definition=draft)
    return 2


def _today(rng: random.Random) -> int:
    """市民政局's and 市财政局's console work today, with two attempts the engine refuses and one by
    another unit's clerk."""
    made = 0
    mzj, czj = Unit.objects.get(code=CITY_MZJ), Unit.objects.get(code=CZJ)
    clerk, reviewer = _seat(mzj, "受理岗"), _seat(mzj, "审核岗")

    def open_case(unit: Unit, actor: Person, power: str, subject: str) -> Case:
        nonlocal made
        made += 1
        applicant = actions.Applicant(name=rng.choice(APPLICANTS), phone="0354-0000000")
        return actions.do_open_case(
            actor=actor, unit=unit, power_code=power, applicant=applicant, subject=subject
        ).case

    def complete(actor: Person, case: Case, step: str, outcome: str, **extra: object) -> Case:
        nonlocal made
        made += 1
        return actions.do_complete_step(actor=actor, case=case, step=step, outcome=outcome, **extra)  # type: ignore[arg-type]

    case = open_case(mzj, clerk, "MZJ001", "申请成立社会团体")
    complete(clerk, case, "accept", "pass", comment="材料齐全，予以受理")
    open_case(mzj, clerk, "MZJ003", "申请最低生活保障")
    case = open_case(mzj, clerk, "MZJ016", "社会团体变更登记（名称、住所）")
    complete(clerk, case, "accept", "correct", comment="缺少会员大会关于变更的决议")
    with suppress(actions.CaseRefused):  # 行政许可法 art. 32: all missing material named at once
        complete(clerk, case, "accept", "correct", comment="另缺法定代表人身份证明")
    case = open_case(mzj, clerk, "MZJ020", "申请设立养老机构")
    complete(clerk, case, "accept", "pass")
    with suppress(Forbidden):  # 越权: 市财政局's clerk reaching into 市民政局's case is refused and recorded
        complete(_seat(czj, "受理岗"), case, "review", "pass")
    complete(reviewer, case, "review", "pass", comment="场地、人员符合条件")
    case = open_case(czj, _seat(czj, "受理岗"), "CZJ001", "申请代理记账资格")
    complete(_seat(czj, "受理岗"), case, "accept", "pass")
    complete(_seat(czj, "审核岗"), case, "review", "pass")
    with suppress(actions.CaseRefused):  # 延期 needs the head's approval (行政许可法 art. 42)
        complete(_seat(czj, "审批岗"), case, "decide", "extend", comment="需进一步核实从业人员资格")
    return made


# 纪检 at work: a few alerts carried along ------------------------------------------------------------


def _inspector() -> Person:
    grant = RoleGrant.objects.filter(role=Role.INSPECTOR).select_related("person").order_by("pk").first()
    if grant is None:
        raise LookupError("the demo city has no 纪检 inspector")
    return grant.person


def _handle() -> int:
    """Separation breach: checked by 审计, confirmed by 纪检, 约谈 named from the 责任清单, closed; the
    withdrawn fee: 责令整改; the skipped 公示: with 审计 for checking; one late step: dismissed with the
    reason. Red cards go through two people (the checker reports, another decides)."""
    inspector = _inspector()
    grant = RoleGrant.objects.filter(role=Role.AUDITOR).select_related("person").order_by("pk").first()
    if grant is None:
        raise LookupError("the demo city has no 审计 auditor")
    auditor = grant.person
    made = 0

    def checked(alert: Alert, report: str) -> None:
        supervision_actions.do_assign_alert(actor=inspector, alert=alert, assignee=auditor)
        supervision_actions.do_report_check(actor=auditor, alert=alert, finding=report)

    def heard(alert: Alert, answer: str) -> bool:
        """The unit's head answers the confirmed card (申辩) before its 处置."""
        head = next(iter(case_queries.unit_heads(alert.unit)), None)
        if head is None:
            return False
        supervision_actions.do_answer_alert(actor=head, alert=alert, text=answer)
        return True

    separation = (
        Alert.objects.filter(rule="separation_breach", status=AlertStatus.OPEN)
        .select_related("unit", "case")
        .first()
    )
    if separation is not None:
        accepter = _seat(separation.unit, "受理岗")
        stage = next(
            (row for row in supervision_actions.responsibilities_for(separation) if row.stage == "决定"), None
        )
        checked(separation, "调阅外部系统日志：受理岗人员以本人账号作出准予许可决定，审批岗未参与。")
        supervision_actions.do_confirm_alert(
            actor=inspector,
            alert=separation,
            finding="经调阅外部系统日志，受理岗人员以本人账号作出准予许可决定，审批岗未参与，情况属实。",
        )
        made += 3
        if heard(separation, "审批岗当日出差，受理岗人员代为操作系统，已责令停用共用账号。"):
            supervision_actions.do_dispose_alert(
                actor=inspector,
                alert=separation,
                kind="talk",
                text="约谈受理岗当事人及分管副局长，责令立即停用共用账号，重新核查该许可。",
                people=[accepter],
                responsibility=stage,
            )
            supervision_actions.do_close_alert(actor=inspector, alert=separation, text="约谈完毕，整改到位")
            made += 3
    fee = (
        Alert.objects.filter(rule="outside_list", status=AlertStatus.OPEN, unit__code=GTJ)
        .select_related("unit")
        .first()
    )
    if fee is not None:
        principal = Leadership.objects.filter(unit=fee.unit, rank="principal", until__isnull=True).first()
        checked(fee, "抽查收费票据：已取消的土地登记费仍在收取。")
        supervision_actions.do_confirm_alert(
            actor=inspector, alert=fee, finding="已取消的土地登记费仍在收取，属实。"
        )
        if principal is not None and heard(fee, "系统收费项目未及时更新，已停止收取并清退。"):
            supervision_actions.do_dispose_alert(
                actor=inspector,
                alert=fee,
                kind="correct",
                text="责令立即停止收取已取消的土地登记费，三十日内清退已收费用并报告。",
                people=[principal.person],
            )
            made += 2
        made += 3
    skipped = Alert.objects.filter(rule="skipped_step", status=AlertStatus.OPEN).first()
    if skipped is not None:
        supervision_actions.do_assign_alert(actor=inspector, alert=skipped, assignee=auditor)
        made += 1
    late = (
        Alert.objects.filter(rule="time_red", status=AlertStatus.OPEN, case_step__completed_at__isnull=False)
        .order_by("raised_at", "pk")
        .first()
    )
    if late is not None:
        checked(late, "核对送达记录：申请人未按约定时间到场领取，有书面说明。")
        supervision_actions.do_dismiss_alert(
            actor=inspector,
            alert=late,
            reason="经核查，延误系申请人未按约定时间到场领取，已有书面说明，不属于工作人员责任。",
        )
        made += 3
    return made


def build(*, progress: Callable[[str], None] = lambda _: None) -> int:
    """Replay six weeks of cases, do today's console work, sweep, handle a few alerts; returns the
    number of actions run (0 when the demo's cases are already there)."""
    if IngestSource.objects.filter(name__in=[name for name, *_ in SOURCES]).exists():
        return 0
    system = org_actions.system_person()
    now = timezone.now()
    today = timezone.localtime(now).date()
    made = _extension_flow(system, Unit.objects.get(code=CZJ))
    sources: dict[str, IngestSource] = {}
    for name, code, *_ in SOURCES:
        sources[name], _token = ingest.do_create_source(
            actor=system, name=name, unit=Unit.objects.get(code=code)
        )
        made += 1
    planner = Planner(today, calendar_queries.work_calendar())
    for _name, code, *_rates in SOURCES:
        planner.load(Unit.objects.get(code=code))
    for name, code, per_day, late_share in SOURCES:
        planner.background(name, code, per_day, late_share)
    planner.planted()
    # The history is judged by the replay's own daily sweeps, as of each day.
    with override_settings(LIUQUAN_SUPERVISE_ON_EVENT=False):
        made += _replay(system, sources, planner.cases, now, planner.time.workday, progress)
    made += _today(planner.rng)
    result = sweep.run_sweep()
    made += 1 if result.total or result.cured else 0
    made += _handle()
    progress(
        f"alerts: {Alert.objects.count()} over {len({rule for rule in Alert.objects.values_list('rule', flat=True)})} rules"
    )
    return made
