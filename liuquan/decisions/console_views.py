"""Console pages of 三重一大: a unit's topics, meetings and register, and the meeting room where the
secretary signs members in, records statements in order (the principal last), takes the votes — a
secret ballot is cast by the member on the spot with their own password, never seen — counts them,
closes the meeting and finalises the minutes. Thin callers of decisions.actions; every refusal is shown
with its reason (and is on the record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liuquan.core.errors import DomainError, Forbidden, InvalidInput
from liuquan.decisions import actions, queries, rules
from liuquan.decisions.models import AgendaItem, Meeting, MeetingStatus, Topic, TopicStatus
from liuquan.decisions.rules import Category, Choice, Outcome
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Unit

TOPIC_STATUS_NAMES = {
    TopicStatus.PREPARING: "准备中",
    TopicStatus.TABLED: "已列入议程",
    TopicStatus.PASSED: "通过",
    TopicStatus.REJECTED: "未通过",
    TopicStatus.DEFERRED: "缓议",
}
MEETING_STATUS_NAMES = {
    MeetingStatus.OPEN: "会议进行中",
    MeetingStatus.CLOSED: "已闭会，纪要修改期内",
    MeetingStatus.FROZEN: "纪要已定稿",
}


def _person(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # login_required
    return user


def _unit(person: Person, code: str) -> Unit:
    unit = org_queries.get_unit(code)
    if not org_queries.can_read_private(person, unit):
        raise Forbidden(
            f"无权查看{unit.name}的决策记录", message_en=f"You may not read {unit.name}'s decisions"
        )
    return unit


def _meeting(person: Person, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("unit", "secretary").filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404("no such meeting")
    _unit(person, meeting.unit.code)
    return meeting


@login_required
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    person = _person(request)
    unit = _unit(person, code)
    topics = []
    for topic in Topic.objects.filter(unit=unit).select_related("matter").prefetch_related("steps")[:200]:
        waiting = topic.status in (TopicStatus.PREPARING, TopicStatus.DEFERRED)
        topics.append(
            {
                "topic": topic,
                "status": TOPIC_STATUS_NAMES[TopicStatus(topic.status)],
                "problems": actions.tabling_problems(topic) if waiting else [],
                "ready": waiting and not actions.tabling_problems(topic),
            }
        )
    meetings = [
        {"meeting": row, "status": MEETING_STATUS_NAMES[MeetingStatus(row.status)]}
        for row in Meeting.objects.filter(unit=unit).order_by("-held_at")[:100]
    ]
    register = [
        {
            "decision": row,
            "outcome": rules.OUTCOME_NAMES[Outcome(row.outcome)],
            "category": rules.CATEGORY_NAMES[Category(row.category)],
            "title": row.item.topic.title,
        }
        for row in queries.register(unit).select_related("item__topic")[:200]
    ]
    catalogue = queries.catalogue_in_force(unit)
    return render(
        request,
        "decisions/console/unit.html",
        {
            "unit": unit,
            "catalogue": catalogue,
            "matters": list(queries.matters(catalogue)) if catalogue else [],
            "bodies": sorted({m.body for m in queries.matters(catalogue)}) if catalogue else [],
            "topics": topics,
            "meetings": meetings,
            "register": register,
            "may_propose": actions.is_member(person, unit),
            "may_convene": actions.may_run_meetings(person, unit),
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


def _done(request: HttpRequest, exc: DomainError | None, success: str) -> None:
    if exc is None:
        messages.success(request, success)
    else:
        messages.error(request, exc.localized_message())


@login_required
@require_POST
def propose(request: HttpRequest, code: str) -> HttpResponse:
    person = _person(request)
    unit = _unit(person, code)
    try:
        actions.do_propose_topic(
            actor=person,
            unit=unit,
            matter_code=request.POST.get("matter", ""),
            title=request.POST.get("title", ""),
            materials=request.POST.get("materials", ""),
            public_summary=request.POST.get("public_summary", ""),
        )
    except DomainError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, _("Topic proposed."))
    return redirect("decisions_console:unit", code=code)


@login_required
@require_POST
def convene(request: HttpRequest, code: str) -> HttpResponse:
    person = _person(request)
    unit = _unit(person, code)
    try:
        held_at = timezone.make_aware(datetime.fromisoformat(request.POST.get("held_at", "")))
    except ValueError:
        messages.error(request, InvalidInput("会议时间格式不正确", message_en="bad time").localized_message())
        return redirect("decisions_console:unit", code=code)
    topics = list(
        Topic.objects.filter(
            unit=unit, pk__in=[int(v) for v in request.POST.getlist("topics") if v.isdigit()]
        ).select_related("matter")
    )
    try:
        meeting = actions.do_convene(
            actor=person, unit=unit, body=request.POST.get("body", ""), held_at=held_at, topics=topics
        )
    except DomainError as exc:
        _done(request, exc, "")
        return redirect("decisions_console:unit", code=code)
    return redirect("decisions_console:meeting", meeting_id=meeting.pk)


@login_required
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = _person(request)
    meeting = _meeting(person, meeting_id)
    attendance = list(meeting.attendance.select_related("person"))
    names = {row.person_id: row.person.full_name or row.person.username for row in attendance}
    items = []
    for item in meeting.items.select_related("topic__matter").order_by("position"):
        table = actions.seats(item)
        stated = {str(pk) for pk in item.statements.values_list("person_id", flat=True)}
        voted = {str(pk) for pk in item.marks.values_list("person_id", flat=True)}
        # Everyone present who has not stated is offered, the principal too: a principal who asks to
        # speak first is refused by the rule, with the reason, and the attempt is on the record.
        closed = any(seat.principal and seat.person in stated for seat in table)
        eligible = {seat.person for seat in rules.attending(table)}
        may_state = [
            row
            for row in attendance
            if not closed and str(row.person_id) in eligible and str(row.person_id) not in stated
        ]
        may_vote = [
            row
            for row in attendance
            if rules.ballot_problem(table, stated, voted, str(row.person_id)) is None
        ]
        items.append(
            {
                "item": item,
                "recused": [
                    names[pk]
                    for pk in item.topic.interests.values_list("person_id", flat=True)
                    if pk in names
                ],
                "statements": [
                    (
                        row.seq,
                        names.get(row.person_id, ""),
                        rules.CHOICE_NAMES[Choice(row.position)],
                        row.reasons,
                    )
                    for row in item.statements.all()
                ],
                "may_state": may_state,
                "may_vote": may_vote,
                "voted": len(voted),
                "secret": item.topic.matter.secret,
                "outcome": rules.OUTCOME_NAMES[Outcome(item.outcome)] if item.outcome else "",
                "quorum": rules.quorum_problem(table, item.topic.matter.quorum),
            }
        )
    return render(
        request,
        "decisions/console/meeting.html",
        {
            "meeting": meeting,
            "status": MEETING_STATUS_NAMES[MeetingStatus(meeting.status)],
            "attendance": attendance,
            "items": items,
            "choices": [(choice.value, rules.CHOICE_NAMES[choice]) for choice in Choice],
            "is_secretary": person.pk == meeting.secretary_id,
        },
    )


def _act(request: HttpRequest, meeting: Meeting, run: Any, success: str) -> HttpResponse:
    try:
        run()
    except DomainError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, success)
    return redirect("decisions_console:meeting", meeting_id=meeting.pk)


def _number(request: HttpRequest, name: str) -> int:
    """A posted id; a form that was tampered with gets a 404, never a traceback."""
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404(f"bad {name}")
    return int(value)


def _member(meeting: Meeting, request: HttpRequest) -> Person:
    row = meeting.attendance.select_related("person").filter(person_id=_number(request, "person")).first()
    if row is None:
        raise Http404("not a member of this meeting")
    return row.person


def _item(meeting: Meeting, request: HttpRequest) -> AgendaItem:
    item = meeting.items.select_related("topic__matter").filter(pk=_number(request, "item")).first()
    if item is None:
        raise Http404("no such agenda item")
    return item


@login_required
@require_POST
def sign_in(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = _person(request)
    meeting = _meeting(person, meeting_id)
    member = _member(meeting, request)
    apology = request.POST.get("apology", "").strip()
    if apology:
        run = lambda: actions.do_record_apology(actor=person, meeting=meeting, person=member, opinion=apology)  # noqa: E731
        return _act(request, meeting, run, _("Apology recorded."))
    return _act(
        request,
        meeting,
        lambda: actions.do_sign_in(actor=person, meeting=meeting, person=member),
        _("Signed in."),
    )


@login_required
@require_POST
def state(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = _person(request)
    meeting = _meeting(person, meeting_id)
    item, member = _item(meeting, request), _member(meeting, request)
    try:
        position = Choice(request.POST.get("position", ""))
    except ValueError:
        messages.error(request, _("Choose a position."))
        return redirect("decisions_console:meeting", meeting_id=meeting.pk)
    reasons = request.POST.get("reasons", "")
    run = lambda: actions.do_state(actor=person, item=item, person=member, position=position, reasons=reasons)  # noqa: E731
    return _act(request, meeting, run, _("Statement recorded."))


@login_required
@require_POST
def vote(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """An open vote the secretary records; a secret one the member casts with their own password on the
    spot (checked like a login, never kept), so that the secretary never holds it."""
    person = _person(request)
    meeting = _meeting(person, meeting_id)
    item, member = _item(meeting, request), _member(meeting, request)
    try:
        choice = Choice(request.POST.get("choice", ""))
    except ValueError:
        messages.error(request, _("Choose 同意, 不同意 or 缓议."))
        return redirect("decisions_console:meeting", meeting_id=meeting.pk)
    actor = person
    if item.topic.matter.secret:
        checked = authenticate(request, username=member.username, password=request.POST.get("password", ""))
        if checked is None or checked.pk != member.pk:
            messages.error(request, _("The member's password is not correct."))
            return redirect("decisions_console:meeting", meeting_id=meeting.pk)
        actor = member
    run = lambda: actions.do_vote(actor=actor, item=item, voter=member, choice=choice)  # noqa: E731
    return _act(request, meeting, run, _("Vote cast."))


@login_required
@require_POST
def count(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = _person(request)
    meeting = _meeting(person, meeting_id)
    item = _item(meeting, request)
    return _act(request, meeting, lambda: actions.do_count(actor=person, item=item), _("Votes counted."))


@login_required
@require_POST
def close(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = _person(request)
    meeting = _meeting(person, meeting_id)
    return _act(
        request,
        meeting,
        lambda: actions.do_close_meeting(actor=person, meeting=meeting),
        _("Meeting closed."),
    )


@login_required
@require_POST
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    person = _person(request)
    meeting = _meeting(person, meeting_id)
    if request.POST.get("freeze"):
        return _act(
            request,
            meeting,
            lambda: actions.do_freeze_minutes(actor=person, meeting=meeting),
            _("Minutes made final."),
        )
    text = request.POST.get("minutes", "")
    run = lambda: actions.do_amend_minutes(actor=person, meeting=meeting, text=text)  # noqa: E731
    return _act(request, meeting, run, _("Minutes amended."))
