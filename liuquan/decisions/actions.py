"""Actions of 三重一大 collective decision: the catalogue, topics and their pre-decision steps, meetings
(sign-in, apologies, recusal), statements in order with the principal last, ballots, the computed result
and the decision register, the minutes and their freezing.

Each `do_*` is one transaction with its ledger entries. A refused attempt on the record (the principal
stating first, a recused member voting, final minutes edited …) is itself recorded, in its own
transaction, before the refusal is raised: 纪检 sees what was tried.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from liuquan.calendars import queries as calendar_queries
from liuquan.core.actions import action
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from liuquan.decisions import rules
from liuquan.decisions.models import (
    AgendaItem,
    Attendance,
    Ballot,
    BallotMark,
    Catalogue,
    CatalogueStatus,
    Decision,
    Interest,
    MatterType,
    Meeting,
    MeetingStatus,
    Refusal,
    Statement,
    Topic,
    TopicStatus,
    TopicStep,
)
from liuquan.decisions.rules import Category, Choice, Outcome, PreStep, Ratio, VoteBase
from liuquan.org import queries as org_queries
from liuquan.org.models import LeaderRank, Leadership, Person, Role, Unit

AMENDMENT_DAYS = 3  # the minutes may be amended for three days after the meeting, then they are final
EDITOR_ROLES = frozenset({Role.HEAD, Role.REFORM_OFFICE})  # the catalogue: the unit's head, the 改革办
SECRETARY_ROLES = frozenset({Role.CLERK, Role.HEAD})  # who runs a meeting: the unit's office, its head


class DecisionRefused(Conflict):
    """A move the rules of collective decision refuse (HTTP 409); already on the record as a Refusal."""

    code = "decision_refused"


def _now() -> datetime:
    return timezone.now()


def _covers(actor: Person, unit: Unit, roles: frozenset[str]) -> bool:
    return actor.is_active and (actor.is_superuser or org_queries.scope_of(actor, roles).covers(unit))


def _refuse(
    *, actor: Person, unit: Unit, meeting: Meeting | None, attempt: str, problem: rules.Problem
) -> None:
    """Record the refused attempt, then raise it."""
    with action("decisions.refused", actor=actor) as act:
        row = Refusal.objects.create(
            unit=unit,
            meeting=meeting,
            actor=actor,
            attempt=attempt,
            code=problem.code,
            message=problem.message,
            at=_now(),
        )
        act.record(row)
    raise DecisionRefused(problem.message, message_en=problem.message_en, code=problem.code)


# -- the catalogue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatterInput:
    """A matter type as a catalogue lists it (a row of the catalogue workbook, a form, an API call)."""

    code: str
    category: Category
    name: str
    body: str
    threshold: Decimal | None = None
    quorum: Ratio | None = None  # None: the default for its category (rules.default_quorum)
    vote_base: VoteBase = VoteBase.ENTITLED
    vote_rule: Ratio = rules.HALF
    secret: bool = False
    pre_steps: tuple[PreStep, ...] = ()
    basis: str = ""


def check_matter(matter: MatterInput) -> None:
    where = f"事项 {matter.code or '（无编码）'}"
    if not matter.code.strip() or not matter.name.strip() or not matter.body.strip():
        raise InvalidInput(
            f"{where}：编码、名称和决策机构都必须填写",
            message_en="code, name and body are required",
            field="code",
        )
    if matter.threshold is not None and matter.threshold <= 0:
        raise InvalidInput(
            f"{where}：金额标准须大于零", message_en="the threshold must be positive", field="threshold"
        )
    if matter.category in (Category.FUNDS, Category.PROJECT) and matter.threshold is None:
        raise InvalidInput(
            f"{where}：{rules.CATEGORY_NAMES[matter.category]}须设定金额标准（元）",
            message_en="funds and project matters need a threshold",
            field="threshold",
        )
    for ratio, name in ((matter.quorum, "quorum"), (matter.vote_rule, "vote")):
        if ratio is not None and not (0 < ratio.num <= ratio.den <= 10):
            raise InvalidInput(
                f"{where}：比例 {ratio.num}/{ratio.den} 不合理", message_en=f"bad {name} ratio", field=name
            )
    # A unit may ask for more than the default, never less: 过半数 of 应到 is the floor of 集体决策.
    if matter.vote_rule.num * 2 < matter.vote_rule.den or (
        matter.vote_rule.num * 2 == matter.vote_rule.den and not matter.vote_rule.strict
    ):
        raise InvalidInput(
            f"{where}：表决通过须超过半数", message_en="a vote must need more than half", field="vote"
        )
    quorum = matter.quorum or rules.default_quorum(matter.category)
    floor = rules.default_quorum(matter.category)
    if quorum.num * floor.den < floor.num * quorum.den or (
        quorum.num * floor.den == floor.num * quorum.den and floor.strict and not quorum.strict
    ):
        raise InvalidInput(
            f"{where}：到会人数要求不得低于“{floor}”",
            message_en=f"the quorum may not be below {floor}",
            field="quorum",
        )


def do_open_catalogue(*, actor: Person, unit: Unit) -> Catalogue:
    """A draft of the unit's catalogue: a copy of the one in force, else empty."""
    if not _covers(actor, unit, EDITOR_ROLES):
        raise Forbidden(
            "只有本单位负责人或改革办可以编制重大事项目录", message_en="Only the head or the reform office"
        )
    if Catalogue.objects.filter(unit=unit, status=CatalogueStatus.DRAFT).exists():
        raise Conflict("已有编制中的目录", message_en="A draft exists", code="draft_exists")
    current = Catalogue.objects.filter(unit=unit, status=CatalogueStatus.PUBLISHED).first()
    last = Catalogue.objects.filter(unit=unit).aggregate(top=Max("version"))["top"] or 0
    with action("decisions.open_catalogue", actor=actor) as act:
        draft = Catalogue.objects.create(unit=unit, version=last + 1, created_at=_now(), created_by=actor)
        act.record(draft)
        for old in current.matters.all() if current else []:
            old.pk = None
            old.catalogue = draft
            old.save()
            act.record(old)
    return draft


def do_set_matter(*, actor: Person, catalogue: Catalogue, matter: MatterInput) -> MatterType:
    """Add a matter type to a draft catalogue, or replace the one with its code."""
    if not _covers(actor, catalogue.unit, EDITOR_ROLES):
        raise Forbidden(
            "只有本单位负责人或改革办可以编制重大事项目录", message_en="Only the head or the reform office"
        )
    if catalogue.status != CatalogueStatus.DRAFT:
        raise Conflict(
            "目录已公布，不能修改；请新建版本",
            message_en="Published catalogues never change",
            code="immutable",
        )
    check_matter(matter)
    quorum = matter.quorum or rules.default_quorum(matter.category)
    with action("decisions.set_matter", actor=actor) as act:
        row, _ = MatterType.objects.update_or_create(
            catalogue=catalogue,
            code=matter.code.strip(),
            defaults={
                "category": matter.category.value,
                "name": matter.name.strip(),
                "threshold": matter.threshold,
                "body": matter.body.strip(),
                "quorum_num": quorum.num,
                "quorum_den": quorum.den,
                "quorum_strict": quorum.strict,
                "vote_base": matter.vote_base.value,
                "vote_num": matter.vote_rule.num,
                "vote_den": matter.vote_rule.den,
                "vote_strict": matter.vote_rule.strict,
                "secret": matter.secret,
                "pre_steps": [step.value for step in matter.pre_steps],
                "basis": matter.basis.strip(),
            },
        )
        act.record(row)
    return row


def do_publish_catalogue(*, actor: Person, catalogue: Catalogue) -> Catalogue:
    """公布 the draft: it is in force from now, the version before it superseded."""
    if not _covers(actor, catalogue.unit, EDITOR_ROLES):
        raise Forbidden(
            "只有本单位负责人或改革办可以公布重大事项目录", message_en="Only the head or the reform office"
        )
    if catalogue.status != CatalogueStatus.DRAFT:
        raise Conflict("目录已公布", message_en="Already published", code="immutable")
    categories = set(catalogue.matters.values_list("category", flat=True))
    missing = [rules.CATEGORY_NAMES[c] for c in Category if c.value not in categories]
    if missing:
        raise RuleViolation(
            "重大事项目录须涵盖“三重一大”四类事项，还缺：" + "、".join(missing),
            message_en="the catalogue must cover the four kinds of matter",
            code="catalogue_incomplete",
        )
    with action("decisions.publish_catalogue", actor=actor) as act:
        for old in Catalogue.objects.filter(unit=catalogue.unit, status=CatalogueStatus.PUBLISHED):
            old.status = CatalogueStatus.SUPERSEDED
            old.save(update_fields=["status"])
            act.record(old)
        catalogue.status = CatalogueStatus.PUBLISHED
        catalogue.published_at = _now()
        catalogue.save(update_fields=["status", "published_at"])
        act.record(catalogue)
        for matter in catalogue.matters.all():
            act.record(matter)  # in clear from now on
    return catalogue


# -- topics -----------------------------------------------------------------------------------------


def members_of(unit: Unit, on: date | None = None) -> list[Leadership]:
    """The unit's leadership team (领导班子) on a day: the members of its deciding bodies."""
    day = on or timezone.localdate()
    return list(
        Leadership.objects.filter(unit=unit, since__lte=day)
        .exclude(until__lt=day)
        .select_related("person")
        .order_by("-rank", "id")
    )


def _is_member(person: Person, unit: Unit) -> bool:
    return any(place.person_id == person.pk for place in members_of(unit))


def is_member(person: Person, unit: Unit) -> bool:
    """A member of the unit's leadership today: may propose topics."""
    return person.is_superuser or _is_member(person, unit)


def may_run_meetings(person: Person, unit: Unit) -> bool:
    """The unit's office or head: may convene meetings and keep their record."""
    return _covers(person, unit, SECRETARY_ROLES)


def do_propose_topic(
    *,
    actor: Person,
    unit: Unit,
    matter_code: str,
    title: str,
    materials: str,
    public_summary: str = "",
    amount: Decimal | None = None,
    cites: Decision | None = None,
) -> Topic:
    """议题: proposed by a member of the leadership with its materials, under a matter of the catalogue in
    force. A change to a decision is a new topic citing it."""
    if not (_is_member(actor, unit) or actor.is_superuser):
        raise Forbidden(
            "议题由领导班子成员提出", message_en="Topics are proposed by members of the leadership"
        )
    catalogue = Catalogue.objects.filter(unit=unit, status=CatalogueStatus.PUBLISHED).first()
    matter = catalogue.matters.filter(code=matter_code).first() if catalogue else None
    if matter is None:
        raise NotFound(
            f"本单位公布的重大事项目录中没有事项 {matter_code}",
            message_en=f"no matter {matter_code} in the catalogue in force",
        )
    if not title.strip() or not materials.strip():
        raise InvalidInput(
            "议题须有标题和材料", message_en="a topic needs a title and materials", field="title"
        )
    if cites is not None and cites.unit_id != unit.pk:
        raise InvalidInput(
            "只能变更本单位的决定", message_en="a topic may change only its unit's decisions", field="cites"
        )
    with action("decisions.propose_topic", actor=actor) as act:
        topic = Topic.objects.create(
            unit=unit,
            matter=matter,
            title=title.strip()[:300],
            materials=materials.strip(),
            amount=amount,
            public_summary=public_summary.strip(),
            cites=cites,
            proposer=actor,
            created_at=_now(),
        )
        act.record(topic)
    return topic


def _step_days(kind: PreStep, started: date, ended: date) -> int:
    """A period in its rule's unit: working days for the legality review (条例 art. 26), else natural."""
    if kind is PreStep.LEGALITY:
        return calendar_queries.work_calendar().working_days_between(started, ended).days
    return (ended - started).days


def do_record_step(
    *,
    actor: Person,
    topic: Topic,
    kind: PreStep,
    started: date,
    ended: date | None = None,
    shortened_because: str = "",
    note: str = "",
) -> TopicStep:
    """A pre-decision step the topic went through (or is going through: no end yet)."""
    if not (_is_member(actor, topic.unit) or _covers(actor, topic.unit, SECRETARY_ROLES)):
        raise Forbidden("无权记录本单位议题的决策程序", message_en="You may not record this unit's topics")
    if topic.status != TopicStatus.PREPARING and topic.status != TopicStatus.DEFERRED:
        raise Conflict(
            "议题已列入议程或已决定", message_en="the topic is past preparation", code="topic_tabled"
        )
    if ended is not None and ended < started:
        raise InvalidInput("结束日期早于开始日期", message_en="the step ends before it starts", field="ended")
    days = _step_days(kind, started, ended) if ended is not None else 0
    with action("decisions.record_step", actor=actor) as act:
        row, _ = TopicStep.objects.update_or_create(
            topic=topic,
            kind=kind.value,
            defaults={
                "started": started,
                "ended": ended,
                "days": days,
                "shortened_because": shortened_because.strip(),
                "note": note.strip(),
                "recorded_by": actor,
            },
        )
        act.record(row)
    return row


def tabling_problems(topic: Topic) -> list[rules.Problem]:
    done = [
        rules.StepDone(PreStep(row.kind), row.started, row.ended, row.days, row.shortened_because)
        for row in topic.steps.all()
    ]
    return rules.tabling_problems(topic.matter.required_steps, done)


def do_declare_interest(*, actor: Person, topic: Topic, reason: str) -> Interest:
    """回避申报: the member declares an interest in the topic and is recused from it."""
    if not reason.strip():
        raise InvalidInput("请说明回避理由", message_en="give the reason", field="reason")
    # A recusal declared once the positions are being stated would change who counts (应到) after the
    # fact: it is declared before the topic's first statement, or the attempt is refused and recorded.
    started = (
        AgendaItem.objects.filter(topic=topic, statements__isnull=False).select_related("meeting").first()
    )
    if started is not None:
        _refuse(
            actor=actor,
            unit=topic.unit,
            meeting=started.meeting,
            attempt="declare_interest",
            problem=rules.Problem(
                "recusal_too_late",
                "本议题已开始表态，不能再申请回避；如有利害关系应在讨论前申报",
                "statements on the topic have begun: a recusal comes before them",
            ),
        )
    with action("decisions.declare_interest", actor=actor) as act:
        row, _ = Interest.objects.update_or_create(
            topic=topic, person=actor, defaults={"reason": reason.strip(), "declared_at": _now()}
        )
        act.record(row)
    return row


# -- the meeting ------------------------------------------------------------------------------------


def do_convene(
    *, actor: Person, unit: Unit, body: str, held_at: datetime, topics: Sequence[Topic]
) -> Meeting:
    """Open a meeting of the unit's `body` with its agenda. Its members (应到) are the unit's leadership
    that day, the principal among them; every topic must be of this body and ready to be tabled."""
    if not _covers(actor, unit, SECRETARY_ROLES):
        raise Forbidden("只有本单位办公室或负责人可以组织会议", message_en="Only the unit's office or head")
    members = members_of(unit, timezone.localtime(held_at).date())
    if not any(place.rank == LeaderRank.PRINCIPAL for place in members):
        raise RuleViolation(
            "本单位没有在任的主要负责人，不能召开决策会议", message_en="no principal", code="no_principal"
        )
    if not topics:
        raise InvalidInput("会议须有议题", message_en="a meeting needs topics", field="topics")
    for topic in topics:
        if topic.unit_id != unit.pk or topic.matter.body != body:
            raise InvalidInput(
                f"议题“{topic.title}”不由{body}决定（目录规定：{topic.matter.body}）",
                message_en=f"topic {topic.pk} is not decided by {body}",
                field="topics",
            )
        if topic.status not in (TopicStatus.PREPARING, TopicStatus.DEFERRED):
            raise Conflict(
                f"议题“{topic.title}”已列入议程或已决定", message_en="already tabled", code="topic_tabled"
            )
        problems = tabling_problems(topic)
        if problems:
            raise RuleViolation(
                f"议题“{topic.title}”不能上会：" + "；".join(p.message for p in problems),
                message_en="; ".join(p.message_en for p in problems),
                code="not_ready",
            )
    with action("decisions.convene", actor=actor) as act:
        meeting = Meeting.objects.create(unit=unit, body=body, held_at=held_at, secretary=actor)
        act.record(meeting)
        for place in members:
            row = Attendance.objects.create(
                meeting=meeting, person=place.person, principal=place.rank == LeaderRank.PRINCIPAL
            )
            act.record(row)
        for position, topic in enumerate(topics, start=1):
            item = AgendaItem.objects.create(meeting=meeting, topic=topic, position=position)
            act.record(item)
            topic.status = TopicStatus.TABLED
            topic.save(update_fields=["status"])
            act.record(topic)
    return meeting


def _secretary(actor: Person, meeting: Meeting) -> None:
    if actor.pk != meeting.secretary_id and not actor.is_superuser:
        raise Forbidden("只有本次会议的记录人可以操作", message_en="Only the meeting's secretary")


def _open(actor: Person, meeting: Meeting, attempt: str) -> None:
    if meeting.status != MeetingStatus.OPEN:
        _refuse(
            actor=actor,
            unit=meeting.unit,
            meeting=meeting,
            attempt=attempt,
            problem=rules.Problem("meeting_closed", "会议已结束，不能再记录", "the meeting has closed"),
        )


def _seat(meeting: Meeting, person: Person) -> Attendance:
    row = meeting.attendance.filter(person=person).first()
    if row is None:
        raise NotFound(
            f"{person.full_name or person.username}不是本次会议的组成人员", message_en="not a member"
        )
    return row


def do_sign_in(*, actor: Person, meeting: Meeting, person: Person) -> Attendance:
    """签到: the member is present (实到)."""
    _secretary(actor, meeting)
    _open(actor, meeting, "sign_in")
    row = _seat(meeting, person)
    with action("decisions.sign_in", actor=actor) as act:
        row.signed_in_at = _now()
        row.apology = ""
        row.save(update_fields=["signed_in_at", "apology"])
        act.record(row)
    return row


def do_record_apology(*, actor: Person, meeting: Meeting, person: Person, opinion: str) -> Attendance:
    """请假: an absent member's written opinion, recorded and shown in the minutes, never a vote."""
    _secretary(actor, meeting)
    _open(actor, meeting, "apology")
    row = _seat(meeting, person)
    if row.present:
        raise Conflict("已签到的成员不能请假", message_en="already signed in", code="present")
    with action("decisions.apology", actor=actor) as act:
        row.apology = opinion.strip()
        row.save(update_fields=["apology"])
        act.record(row)
    return row


def seats(item: AgendaItem) -> list[rules.Seat]:
    recused = set(item.topic.interests.values_list("person_id", flat=True))
    return [
        rules.Seat(str(row.person_id), row.principal, row.present, row.person_id in recused)
        for row in item.meeting.attendance.all()
    ]


def do_state(*, actor: Person, item: AgendaItem, person: Person, position: Choice, reasons: str) -> Statement:
    """表态: `person`'s position with reasons, recorded by the secretary in the order given; the
    principal last (条例 art. 30 para. 2); never changed. The first statement opens the topic, so the
    quorum is checked then."""
    meeting = item.meeting
    _secretary(actor, meeting)
    _open(actor, meeting, "state")
    if item.outcome:
        raise Conflict("本议题已表决", message_en="already voted", code="item_closed")
    table = seats(item)
    stated = {str(pk) for pk in item.statements.values_list("person_id", flat=True)}
    problem = None
    if not stated:
        problem = rules.quorum_problem(table, item.topic.matter.quorum)
    problem = problem or rules.statement_problem(table, stated, str(person.pk))
    if problem is None and not reasons.strip():
        problem = rules.Problem("no_reasons", "表态须说明理由", "a position needs its reasons")
    if problem is not None:
        _refuse(actor=actor, unit=meeting.unit, meeting=meeting, attempt="state", problem=problem)
    with action("decisions.state", actor=actor) as act:
        row = Statement.objects.create(
            item=item,
            seq=len(stated) + 1,
            person=person,
            position=position.value,
            reasons=reasons.strip(),
            at=_now(),
        )
        act.record(row)
    return row


def do_vote(*, actor: Person, item: AgendaItem, voter: Person, choice: Choice) -> BallotMark:
    """票决: one member's vote. In a secret ballot only the member casts it, and the ballot names nobody;
    in an open one the secretary may record it."""
    meeting = item.meeting
    secret = item.topic.matter.secret
    if secret and actor.pk != voter.pk:
        raise Forbidden("无记名投票只能由本人投出", message_en="a secret ballot is cast by the member alone")
    if not secret and actor.pk not in (voter.pk, meeting.secretary_id):
        raise Forbidden("只有本人或会议记录人可以记录表决票", message_en="only the member or the secretary")
    _open(actor, meeting, "vote")
    if item.outcome:
        _refuse(
            actor=actor,
            unit=meeting.unit,
            meeting=meeting,
            attempt="vote",
            problem=rules.Problem("item_closed", "本议题已计票，不能再投票", "the votes have been counted"),
        )
    table = seats(item)
    stated = {str(pk) for pk in item.statements.values_list("person_id", flat=True)}
    voted = {str(pk) for pk in item.marks.values_list("person_id", flat=True)}
    problem = rules.ballot_problem(table, stated, voted, str(voter.pk))
    if problem is not None:
        _refuse(actor=actor, unit=meeting.unit, meeting=meeting, attempt="vote", problem=problem)
    with action("decisions.vote", actor=actor) as act:
        mark = BallotMark.objects.create(item=item, person=voter, at=_now())
        act.record(mark)
        ballot = Ballot.objects.create(item=item, choice=choice.value, person=None if secret else voter)
        act.record(ballot)
    return mark


def _next_number(unit: Unit, year: int) -> str:
    prefix = f"{unit.code}-JC-{year}-"
    taken = Decision.objects.filter(number__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def do_count(*, actor: Person, item: AgendaItem) -> Decision:
    """计票: once every present member has voted, the system computes the result from the ballots and
    enters the decision in the register (it is never typed in)."""
    meeting = item.meeting
    _secretary(actor, meeting)
    _open(actor, meeting, "count")
    if item.outcome:
        raise Conflict("本议题已计票", message_en="already counted", code="item_closed")
    table = seats(item)
    voted = {str(pk) for pk in item.marks.values_list("person_id", flat=True)}
    waiting = [seat for seat in rules.attending(table) if seat.person not in voted]
    if waiting:
        problem = rules.Problem(
            "votes_missing",
            f"还有{len(waiting)}名到会成员未投票",
            f"{len(waiting)} present members have not voted",
        )
        _refuse(actor=actor, unit=meeting.unit, meeting=meeting, attempt="count", problem=problem)
    matter = item.topic.matter
    result = rules.tally(
        [Choice(value) for value in item.ballots.values_list("choice", flat=True)],
        table,
        matter.vote_rule,
        VoteBase(matter.vote_base),
    )
    now = _now()
    with action("decisions.count", actor=actor) as act:
        item.outcome = result.outcome.value
        item.agree, item.disagree, item.defer, item.base = (
            result.agree,
            result.disagree,
            result.defer,
            result.base,
        )
        item.basis = result.basis[:200]
        item.save()
        act.record(item)
        topic = item.topic
        topic.status = {
            Outcome.PASSED: TopicStatus.PASSED,
            Outcome.REJECTED: TopicStatus.REJECTED,
            Outcome.DEFERRED: TopicStatus.DEFERRED,
        }[result.outcome]
        topic.save(update_fields=["status"])
        act.record(topic)
        decision = Decision.objects.create(
            item=item,
            number=_next_number(meeting.unit, timezone.localtime(now).year),
            unit=meeting.unit,
            category=matter.category,
            matter_name=matter.name,
            outcome=result.outcome.value,
            public_summary="" if matter.category == Category.PERSONNEL else topic.public_summary,
            decided_at=now,
        )
        act.record(decision)
    return decision


def minutes_text(meeting: Meeting) -> str:
    """纪要, generated from the record: who was there, the apologies with their written opinions, each
    topic's recusals, statements in order with reasons, the tally and the result."""
    lines = [
        f"{meeting.unit.name}{meeting.body}纪要",
        f"时间：{timezone.localtime(meeting.held_at):%Y年%m月%d日 %H:%M}",
    ]
    rows = list(meeting.attendance.select_related("person"))
    lines.append("出席：" + "、".join(r.person.full_name or r.person.username for r in rows if r.present))
    for row in rows:
        if not row.present:
            opinion = f"，书面意见：{row.apology}" if row.apology else ""
            lines.append(f"缺席：{row.person.full_name or row.person.username}{opinion}")
    for item in meeting.items.select_related("topic__matter").order_by("position"):
        lines.append(f"议题{item.position}：{item.topic.title}（{item.topic.matter.name}）")
        for interest in item.topic.interests.select_related("person"):
            lines.append(f"  回避：{interest.person.full_name or interest.person.username}")
        for statement in item.statements.select_related("person"):
            name = statement.person.full_name or statement.person.username
            lines.append(
                f"  {statement.seq}. {name}：{rules.CHOICE_NAMES[Choice(statement.position)]}。{statement.reasons}"
            )
        if item.outcome:
            lines.append(
                f"  表决：同意{item.agree}票，不同意{item.disagree}票，缓议{item.defer}票；"
                f"{item.basis}；结果：{rules.OUTCOME_NAMES[Outcome(item.outcome)]}"
            )
    return "\n".join(lines)


def do_close_meeting(*, actor: Person, meeting: Meeting) -> Meeting:
    """闭会: every topic counted; the minutes are generated and open for amendment for AMENDMENT_DAYS."""
    _secretary(actor, meeting)
    _open(actor, meeting, "close")
    if meeting.items.filter(outcome="").exists():
        raise Conflict("还有议题未表决", message_en="topics are still open", code="items_open")
    with action("decisions.close_meeting", actor=actor) as act:
        meeting.status = MeetingStatus.CLOSED
        meeting.minutes = minutes_text(meeting)
        meeting.amendable_until = _now() + timedelta(days=AMENDMENT_DAYS)
        meeting.save(update_fields=["status", "minutes", "amendable_until"])
        act.record(meeting)
    return meeting


def do_amend_minutes(*, actor: Person, meeting: Meeting, text: str) -> Meeting:
    """Amend the minutes' wording within the window; final minutes are never changed (a decision changes
    only by a new topic in a new meeting that cites it)."""
    _secretary(actor, meeting)
    problem = None
    if meeting.status == MeetingStatus.OPEN:
        problem = rules.Problem("meeting_open", "会议尚未结束，纪要尚未生成", "the meeting is still open")
    elif meeting.status == MeetingStatus.FROZEN or (
        meeting.amendable_until and _now() > meeting.amendable_until
    ):
        problem = rules.Problem(
            "minutes_frozen",
            "会议纪要已定稿，不能修改；如需变更决定，请另提议题并引用原决定",
            "the minutes are final; change a decision by a new topic citing it",
        )
    if problem is not None:
        _refuse(actor=actor, unit=meeting.unit, meeting=meeting, attempt="amend_minutes", problem=problem)
    if not text.strip():
        raise InvalidInput("纪要不能为空", message_en="the minutes cannot be empty", field="minutes")
    with action("decisions.amend_minutes", actor=actor) as act:
        meeting.minutes = text.strip()
        meeting.save(update_fields=["minutes"])
        act.record(meeting)
    return meeting


def do_freeze_minutes(*, actor: Person, meeting: Meeting) -> Meeting:
    """定稿: the minutes are final (also after the amendment window, by anyone who asks)."""
    if meeting.status == MeetingStatus.FROZEN:
        return meeting
    if meeting.status != MeetingStatus.CLOSED:
        raise Conflict("会议尚未结束", message_en="the meeting is still open", code="meeting_open")
    if actor.pk != meeting.secretary_id and not (
        meeting.amendable_until and _now() > meeting.amendable_until
    ):
        raise Forbidden("修改期内只有记录人可以定稿", message_en="only the secretary, within the window")
    with action("decisions.freeze_minutes", actor=actor) as act:
        meeting.status = MeetingStatus.FROZEN
        meeting.frozen_at = _now()
        meeting.save(update_fields=["status", "frozen_at"])
        act.record(meeting)
    return meeting


__all__ = [
    "AMENDMENT_DAYS",
    "DecisionRefused",
    "MatterInput",
    "check_matter",
    "do_amend_minutes",
    "do_close_meeting",
    "do_convene",
    "do_count",
    "do_declare_interest",
    "do_freeze_minutes",
    "do_open_catalogue",
    "do_propose_topic",
    "do_publish_catalogue",
    "do_record_apology",
    "do_record_step",
    "do_set_matter",
    "do_sign_in",
    "do_state",
    "do_vote",
    "is_member",
    "may_run_meetings",
    "members_of",
    "minutes_text",
    "seats",
    "tabling_problems",
]
