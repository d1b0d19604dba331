"""The case pages: the applicant's on the portal (apply, track, 补正, rate) and the staff's in the
console (inbox per post, case page, refusals shown with their status, 延期 approval, head's reply)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from liuquan.cases import actions
from liuquan.cases.models import Breach, Case, CaseFile, CaseStatus, Rating
from liuquan.core.models import AttemptWindow
from liuquan.core.testing import PASSWORD, api_json, assert_max_queries, login
from liuquan.org.actions import public_person
from tests.cases.conftest import APPLICANT, complete, give_posts, open_licence, publish_flow
from tests.clock import SHANGHAI
from tests.flows.conftest import publish_list, staff
from tests.powers.test_lists import item

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
UNIT = "140700-MZJ"


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path: Path):
    """Uploaded files under the test's own directory; no guessing counter left from another test."""
    settings.VAR_DIR = tmp_path
    cache.clear()
    yield
    cache.clear()


def apply_data(**files) -> dict[str, object]:
    data = {
        "applicant_name": APPLICANT.name,
        "id_number": APPLICANT.id_number,
        "phone": APPLICANT.phone,
        "address": APPLICANT.address,
        "subject": "申请成立志愿者协会",
        "application": SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"),
    }
    return data | files


def public_open(world, **kwargs) -> actions.Opened:
    options = {"files": [("申请书.pdf", "申请书", PDF, "application/pdf")]} | kwargs
    return actions.do_open_case(
        actor=public_person(),
        unit=world.dept_a,
        power_code="XK001",
        applicant=APPLICANT,
        subject="申请成立志愿者协会",
        source="portal",
        **options,
    )


def tracking(opened: actions.Opened) -> Client:
    client = Client()
    response = client.post("/cases/track/", {"number": opened.case.number, "code": opened.query_code})
    assert response.status_code == 302, response.content.decode()
    return client


def text(response) -> str:
    return str(response.content.decode())


# The portal -------------------------------------------------------------------------------------------


def test_the_index_lists_only_powers_whose_flow_starts_by_accepting(case_world):
    page = text(Client().get("/cases/"))
    assert f'href="/cases/apply/{UNIT}/XK001/"' in page
    assert "/cases/apply/" + UNIT + "/CF001/" not in page  # a penalty starts with 立案, not an application
    assert Client().get(f"/cases/apply/{UNIT}/CF001/").status_code == 404
    assert Client().get(f"/cases/apply/{UNIT}/JC001/").status_code == 404  # no published flow


def test_an_application_with_its_files_gives_the_number_and_the_code_once(case_world, tmp_path):
    client = Client()
    form = client.get(f"/cases/apply/{UNIT}/XK001/")
    assert form.status_code == 200 and "社会团体成立登记" in text(form)
    response = client.post(
        f"/cases/apply/{UNIT}/XK001/",
        apply_data(other=[SimpleUploadedFile("章程.png", PNG, content_type="image/png")]),
    )
    assert response.status_code == 302 and response["Location"] == "/cases/applied/"
    case = Case.objects.get()
    assert case.source == "portal" and case.applicant_id_number == APPLICANT.id_number
    assert case.current_step == "accept" and case.status == CaseStatus.OPEN
    stored = {(row.name, row.material) for row in CaseFile.objects.filter(case=case)}
    assert stored == {("申请书.pdf", "申请书"), ("章程.png", "其他材料")}
    assert all((tmp_path / "files" / row.sha256[:2] / row.sha256).is_file() for row in case.files.all())

    shown = client.get("/cases/applied/")
    page = text(shown)
    assert case.number in page and shown["Cache-Control"].startswith("max-age=0")
    code = page.split('data-testid="query-code">')[1].split("<")[0]
    assert actions.find_by_query(case.number, code) == case
    again = text(client.get("/cases/applied/"))
    assert code not in again and case.number not in again  # shown once only
    # The session that applied may follow the case straight away.
    assert client.get(f"/cases/track/{case.number}/").status_code == 200


def test_a_bad_file_is_refused_by_name_and_nothing_is_written(case_world, tmp_path):
    client = Client()
    response = client.post(
        f"/cases/apply/{UNIT}/XK001/",
        apply_data(
            identity=[
                SimpleUploadedFile("身份证.exe", b"MZ\x90\x00", content_type="application/octet-stream")
            ],
            other=[SimpleUploadedFile("假的.pdf", b"not a pdf at all", content_type="application/pdf")],
        ),
    )
    page = text(response)
    assert response.status_code == 422
    assert "身份证.exe" in page and 'data-field="identity"' in page
    assert "假的.pdf" in page and 'data-field="other"' in page
    assert not Case.objects.exists() and not CaseFile.objects.exists()
    assert not (tmp_path / "files").exists()

    missing = client.post(f"/cases/apply/{UNIT}/XK001/", apply_data(id_number="12345", application=""))
    page = text(missing)
    assert missing.status_code == 422
    assert 'data-field="id_number"' in page and 'data-field="application"' in page
    assert not Case.objects.exists()


def test_tracking_needs_the_right_number_and_code_and_shows_no_personal_data(case_world):
    opened = public_open(case_world)
    number, code = opened.case.number, opened.query_code
    stranger = Client()
    assert stranger.get(f"/cases/track/{number}/")["Location"] == f"/cases/track/?number={number}"
    wrong_code = stranger.post("/cases/track/", {"number": number, "code": "ABCDEFGHJK"})
    wrong_number = stranger.post("/cases/track/", {"number": number + "9", "code": code})
    assert wrong_code.status_code == wrong_number.status_code == 404
    assert "不正确" in text(wrong_code)
    notice = 'data-testid="track-error">'
    assert (
        text(wrong_code).split(notice)[1].split("<")[0] == text(wrong_number).split(notice)[1].split("<")[0]
    )
    assert stranger.get(f"/cases/track/{number}/").status_code == 302  # still nothing to see

    client = tracking(opened)
    page = client.get(f"/cases/track/{number}/")
    html = text(page)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'data-status="open"' in html and ">受理<" in html and "已收到申请" in html
    for private in (APPLICANT.id_number, APPLICANT.phone, APPLICANT.address, APPLICANT.name, "测试clerk"):
        assert private not in html
    # The code is accepted however it is typed (spaces, lower case).
    assert Client().post("/cases/track/", {"number": number, "code": f" {code.lower()} "}).status_code == 302


def test_guessing_a_code_is_limited_per_case_and_shared_by_every_channel(case_world, settings):
    opened, other = public_open(case_world), public_open(case_world)
    number = opened.case.number
    # Ten wrong codes for one case, from ten addresses and both channels: the count is in the database.
    for attempt in range(settings.LIUQUAN_WRONG_CODES_PER_CASE):
        address = f"198.51.100.{attempt}"
        if attempt % 2:
            wrong = Client(REMOTE_ADDR=address).get(
                f"/api/v1/public/cases/{number}", headers={"X-Query-Code": "WRONGCODE2"}
            )
        else:
            wrong = Client(REMOTE_ADDR=address).post(
                "/cases/track/", {"number": number, "code": "WRONGCODE2"}
            )
        assert wrong.status_code == 404
    # Then even the right code waits, from anywhere: nobody tries many codes for one case.
    right = Client(REMOTE_ADDR="198.51.100.200").post(
        "/cases/track/", {"number": number, "code": opened.query_code}
    )
    assert right.status_code == 429 and "分钟后再试" in text(right)
    api = Client().get(f"/api/v1/public/cases/{number}", headers={"X-Query-Code": opened.query_code})
    assert api.status_code == 429 and api_json(api)["error"] == "too_many_attempts"
    # Another applicant's case is not locked, and after the window it opens again.
    tracking(other)
    AttemptWindow.objects.update(window_start=timezone.now() - actions.TRACK_WINDOW)
    assert Client().post("/cases/track/", {"number": number, "code": opened.query_code}).status_code == 302


def test_made_up_case_numbers_count_against_the_address_alone(case_world):
    for n in range(5):
        wrong = Client(REMOTE_ADDR="198.51.100.9").post("/cases/track/", {"number": f"NO-{n}", "code": "X1"})
        assert wrong.status_code == 404
    assert list(AttemptWindow.objects.values_list("key", "count")) == [("track:addr:198.51.100.9", 5)]


def test_one_persons_typos_do_not_lock_out_a_shared_address(case_world, settings):
    cases = [public_open(case_world) for _ in range(3)]
    shared = "203.0.113.7"  # a township office, a school, a mobile network's gateway
    for case in cases[:2]:
        for _ in range(settings.LIUQUAN_WRONG_CODES_PER_CASE - 1):
            wrong = Client(REMOTE_ADDR=shared).post(
                "/cases/track/", {"number": case.case.number, "code": "X1"}
            )
            assert wrong.status_code == 404
    neighbour = Client(REMOTE_ADDR=shared)
    assert (
        neighbour.post(
            "/cases/track/", {"number": cases[2].case.number, "code": cases[2].query_code}
        ).status_code
        == 302
    )
    # But an address that tries codes for case after case is stopped.
    AttemptWindow.objects.filter(key=f"track:addr:{shared}").update(
        count=settings.LIUQUAN_WRONG_CODES_PER_ADDRESS
    )
    stopped = Client(REMOTE_ADDR=shared).post(
        "/cases/track/", {"number": cases[2].case.number, "code": cases[2].query_code}
    )
    assert stopped.status_code == 429


def test_correction_and_supplement_round_trip(case_world):
    opened = public_open(case_world)
    number = opened.case.number
    clerk = login(Client(), case_world.person("clerk"))
    refused = clerk.post(f"/console/cases/{number}/complete/", {"step": "accept", "outcome": "correct"})
    assert refused.status_code == 422  # a 补正 names what is missing
    assert Case.objects.get(pk=opened.case.pk).status == CaseStatus.OPEN
    asked = clerk.post(
        f"/console/cases/{number}/complete/",
        {"step": "accept", "outcome": "correct", "comment": "缺少：1. 章程草案；2. 验资报告"},
    )
    assert asked.status_code == 302
    case = Case.objects.get(pk=opened.case.pk)
    assert case.status == CaseStatus.CORRECTION

    applicant = tracking(opened)
    html = text(applicant.get(f"/cases/track/{number}/"))
    assert 'data-testid="correction-notice"' in html and "缺少：1. 章程草案；2. 验资报告" in html
    assert 'data-testid="supplement-form"' in html

    empty = applicant.post(f"/cases/track/{number}/supplement/", {"note": ""})
    assert empty.status_code == 422
    bad = applicant.post(
        f"/cases/track/{number}/supplement/",
        {"missing": [SimpleUploadedFile("章程.doc", b"\xd0\xcf\x11\xe0", content_type="application/msword")]},
    )
    assert bad.status_code == 422 and "章程.doc" in text(bad)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CORRECTION
    sent = applicant.post(
        f"/cases/track/{number}/supplement/",
        {
            "note": "补交章程草案和验资报告",
            "missing": [
                SimpleUploadedFile("章程草案.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("验资报告.png", PNG, content_type="image/png"),
            ],
        },
    )
    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.resubmitted and case.current_step == "accept"
    assert set(case.files.filter(material="补正材料").values_list("name", flat=True)) == {
        "章程草案.pdf",
        "验资报告.png",
    }
    html = text(applicant.get(f"/cases/track/{number}/"))
    assert "申请人已补正：补交章程草案和验资报告" in html and 'data-testid="supplement-form"' not in html

    # The clerk sees the case back in the inbox, downloads the new material and accepts.
    inbox = text(clerk.get("/console/cases/"))
    assert f'data-case="{number}"' in inbox
    row = case.files.get(name="章程草案.pdf")
    download = clerk.get(f"/console/cases/{number}/files/{row.pk}/")
    assert download.status_code == 200 and download.content == PDF
    assert download["Content-Type"] == "application/pdf" and "attachment" in download["Content-Disposition"]
    assert (
        clerk.post(f"/console/cases/{number}/complete/", {"step": "accept", "outcome": "pass"}).status_code
        == 302
    )
    assert Case.objects.get(pk=case.pk).current_step == "review"


def test_files_are_for_the_units_staff_only(case_world):
    opened = public_open(case_world)
    row = opened.case.files.get()
    url = f"/console/cases/{opened.case.number}/files/{row.pk}/"
    assert Client().get(url).status_code == 302  # to the login page
    assert login(Client(), case_world.person("clerk_b")).get(url).status_code == 403
    assert (
        login(Client(), case_world.person("clerk_b")).get(f"/console/cases/{opened.case.number}/").status_code
        == 403
    )


# The console --------------------------------------------------------------------------------------------


def test_the_inbox_shows_each_post_its_steps_with_markers_in_a_fixed_number_of_queries(case_world, clock):
    first = open_licence(case_world)
    clerk, reviewer = case_world.person("clerk"), case_world.person("reviewer")
    clerk_client, reviewer_client = login(Client(), clerk), login(Client(), reviewer)
    html = text(clerk_client.get("/console/cases/"))
    assert f'data-case="{first.number}"' in html
    assert f'data-case="{first.number}"' not in text(reviewer_client.get("/console/cases/"))

    complete(case_world, first, "clerk", "accept", "pass")
    assert f'data-case="{first.number}"' not in text(clerk_client.get("/console/cases/"))
    html = text(reviewer_client.get("/console/cases/"))
    assert f'data-case="{first.number}" data-mark=""' in html

    step = first.steps.get(step="review")
    assert step.warn_on is not None and step.due_on is not None
    clock.set(dt.datetime.combine(step.warn_on, dt.time(9), tzinfo=SHANGHAI))
    reviewer_client = login(Client(), reviewer)  # a new day, a new session
    assert f'data-case="{first.number}" data-mark="yellow"' in text(reviewer_client.get("/console/cases/"))
    clock.set(dt.datetime.combine(step.due_on + dt.timedelta(days=1), dt.time(9), tzinfo=SHANGHAI))
    reviewer_client = login(Client(), reviewer)
    assert f'data-case="{first.number}" data-mark="red"' in text(reviewer_client.get("/console/cases/"))

    # Session, person, posts, grants, steps with their cases, cases waiting for a 补正.
    with assert_max_queries(6) as one:
        assert reviewer_client.get("/console/cases/").status_code == 200
    for _ in range(4):
        complete(case_world, open_licence(case_world), "clerk", "accept", "pass")
    with assert_max_queries(len(one.captured_queries)):
        html = text(reviewer_client.get("/console/cases/"))
    assert html.count("data-case=") == 5


def test_separation_of_duties_is_refused_with_409_and_recorded(case_world):
    give_posts(case_world, "clerk", "审核岗")
    case = open_licence(case_world)
    clerk = login(Client(), case_world.person("clerk"))
    assert clerk.post(f"/console/cases/{case.number}/claim/").status_code == 302
    assert (
        clerk.post(
            f"/console/cases/{case.number}/complete/", {"step": "accept", "outcome": "pass"}
        ).status_code
        == 302
    )
    refused = clerk.post(f"/console/cases/{case.number}/complete/", {"step": "review", "outcome": "pass"})
    assert refused.status_code == 409
    assert "分岗设权" in text(refused) and 'class="error"' in text(refused)
    assert Breach.objects.get(case=case).kind == "separation_of_duties"
    assert Case.objects.get(pk=case.pk).current_step == "review"

    # A page that is out of date: the engine says the case is elsewhere (illegal_transition, 409).
    stale = clerk.post(f"/console/cases/{case.number}/complete/", {"step": "accept", "outcome": "pass"})
    assert stale.status_code == 409 and "不能办理" in text(stale)
    # Someone without the post is refused before the engine (403), with the page, not a traceback.
    leader = login(Client(), case_world.person("leader"))
    forbidden = leader.post(f"/console/cases/{case.number}/claim/")
    assert forbidden.status_code == 403 and "审核岗" in text(forbidden)


def test_a_requested_extension_is_approved_by_the_head_at_their_own_step(case_world):
    opened = public_open(case_world)
    case = opened.case
    complete(case_world, case, "clerk", "accept", "pass")
    due = Case.objects.get(pk=case.pk).due_on
    reviewer = login(Client(), case_world.person("reviewer"))
    page = text(reviewer.get(f"/console/cases/{case.number}/"))
    assert 'data-testid="approval"' not in page  # here 延期 is a request to the head's 延期审批 step
    url = f"/console/cases/{case.number}/complete/"
    assert reviewer.post(url, {"step": "review", "outcome": "extend"}).status_code == 422  # no reason
    body = {"step": "review", "outcome": "extend", "comment": "需现场核查，二十日内不能作出决定"}
    assert reviewer.post(url, body).status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.current_step == "extend" and not case.extended

    head_person = case_world.person("head")
    head = login(Client(), head_person)
    assert f'data-case="{case.number}"' in text(head.get("/console/cases/"))
    approved = head.post(url, {"step": "extend", "outcome": "approve", "comment": "同意延长十日"})
    assert approved.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.extended and case.due_on and due and case.due_on > due and case.current_step == "review"
    # The record names the approver for staff; the applicant reads only that the head approved.
    assert case.events.filter(kind="extended", person=head_person).exists()
    assert not case.events.filter(kind="extended", text__contains=head_person.full_name).exists()
    public_page = text(tracking(opened).get(f"/cases/track/{case.number}/"))
    assert "办理期限延长" in public_page and head_person.full_name not in public_page


def extend_at_once(flow):
    """XK001 with a 延期 that takes effect at the review step itself (no 延期审批 step to go to)."""
    transitions = tuple(
        replace(row, target="review") if (row.source, row.outcome) == ("review", "extend") else row
        for row in flow.transitions
        if row.source != "extend"
    )
    return replace(flow, steps=tuple(s for s in flow.steps if s.key != "extend"), transitions=transitions)


@pytest.fixture
def at_once_world(clock, world):
    publish_list(world, [item("XK001", "社会团体成立登记", "licensing")])
    staff(world)
    publish_flow(world, "XK001", extend_at_once)
    return world


def test_an_immediate_extension_needs_a_head_to_sign_with_their_password(at_once_world):
    world = at_once_world
    opened = public_open(world)
    case = opened.case
    complete(world, case, "clerk", "accept", "pass")
    due = Case.objects.get(pk=case.pk).due_on
    reviewer = login(Client(), world.person("reviewer"))
    head = world.person("head")
    page = text(reviewer.get(f"/console/cases/{case.number}/"))
    assert 'data-testid="approval"' in page and head.full_name in page
    url = f"/console/cases/{case.number}/complete/"
    body = {"step": "review", "outcome": "extend", "comment": "需现场核查，二十日内不能作出决定"}
    assert reviewer.post(url, body).status_code == 422  # no head named
    assert not Case.objects.get(pk=case.pk).extended
    wrong = reviewer.post(url, body | {"approver": str(head.pk), "approver_password": "guess"})
    assert wrong.status_code == 422 and not Case.objects.get(pk=case.pk).extended
    done = reviewer.post(url, body | {"approver": str(head.pk), "approver_password": PASSWORD})
    assert done.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.extended and case.due_on and due and case.due_on > due and case.current_step == "review"
    assert case.events.filter(kind="extended", person=head).exists()
    assert not case.events.filter(kind="extended", text__contains=head.full_name).exists()

    # A head who holds the step's post approves by submitting it; no password asked again.
    give_posts(world, "head", "审核岗")
    page = text(login(Client(), head).get(f"/console/cases/{case.number}/"))
    assert 'data-testid="self-approval"' in page and 'data-testid="approval"' not in page


def finish(world, case: Case) -> Case:
    complete(world, case, "clerk", "accept", "pass")
    complete(world, case, "reviewer", "review", "pass")
    complete(world, case, "leader", "decide", "grant")
    return complete(world, case, "clerk", "deliver", "done")


def test_the_result_a_low_rating_and_the_heads_reply(case_world):
    opened = public_open(case_world)
    applicant = tracking(opened)
    number = opened.case.number
    assert 'data-testid="rate-form"' not in text(applicant.get(f"/cases/track/{number}/"))
    early = applicant.post(f"/cases/track/{number}/rate/", {"score": "5"})
    assert early.status_code == 409 and "办结后才能评价" in text(early)

    finish(case_world, opened.case)
    html = text(applicant.get(f"/cases/track/{number}/"))
    assert 'data-status="done"' in html and 'data-testid="decision">准予许可<' in html
    assert "办结：已送达" in html and 'data-testid="rate-form"' in html
    for name in ("测试clerk", "测试reviewer", "测试deputy"):
        assert name not in html

    assert applicant.post(f"/cases/track/{number}/rate/", {"score": "9"}).status_code == 422
    assert (
        applicant.post(f"/cases/track/{number}/rate/", {"score": "2", "comment": "窗口等候太久"}).status_code
        == 302
    )
    rating = Rating.objects.get(case=opened.case)
    assert rating.score == 2 and rating.is_bad
    assert applicant.post(f"/cases/track/{number}/rate/", {"score": "5"}).status_code == 409  # once only

    head = login(Client(), case_world.person("head"))
    with assert_max_queries(7):  # the reviewer's six, and the head's 差评 with their cases
        inbox = text(head.get("/console/cases/"))
    assert 'data-testid="bad-ratings"' in inbox and "窗口等候太久" in inbox
    assert 'data-testid="bad-ratings"' not in text(
        login(Client(), case_world.person("clerk")).get("/console/cases/")
    )
    clerk_reply = login(Client(), case_world.person("clerk")).post(
        f"/console/cases/{number}/reply/", {"reply": "抱歉"}
    )
    assert clerk_reply.status_code == 403 and "负责人" in text(clerk_reply)

    replied = head.post(f"/console/cases/{number}/reply/", {"reply": "已增设窗口，感谢监督", "next": "inbox"})
    assert replied.status_code == 302 and replied["Location"] == "/console/cases/"
    rating.refresh_from_db()
    assert rating.reply == "已增设窗口，感谢监督" and rating.replied_by == case_world.person("head")
    assert 'data-testid="bad-ratings"' not in text(head.get("/console/cases/"))
    html = text(applicant.get(f"/cases/track/{number}/"))
    assert "已增设窗口，感谢监督" in html and case_world.person("head").full_name not in html


def test_the_head_terminates_and_the_applicant_withdraws(case_world):
    terminated, withdrawn = public_open(case_world), public_open(case_world)
    clerk = login(Client(), case_world.person("clerk"))
    head = login(Client(), case_world.person("head"))
    assert 'data-testid="terminate"' not in text(clerk.get(f"/console/cases/{terminated.case.number}/"))
    assert head.post(f"/console/cases/{terminated.case.number}/terminate/", {"reason": ""}).status_code == 422
    done = head.post(f"/console/cases/{terminated.case.number}/terminate/", {"reason": "申请人已注销"})
    assert done.status_code == 302
    assert Case.objects.get(pk=terminated.case.pk).status == CaseStatus.TERMINATED
    html = text(tracking(terminated).get(f"/cases/track/{terminated.case.number}/"))
    assert "终止办理：申请人已注销" in html and 'data-testid="rate-form"' not in html

    applicant = tracking(withdrawn)
    url = f"/cases/track/{withdrawn.case.number}/withdraw/"
    # The tracking session alone does not withdraw: the code again, and the box ticked.
    unconfirmed = applicant.post(url, {"reason": "材料另行提交", "code": withdrawn.query_code})
    assert unconfirmed.status_code == 422 and "勾选" in text(unconfirmed)
    no_code = applicant.post(url, {"reason": "材料另行提交", "confirm": "on"})
    assert no_code.status_code == 422
    wrong = applicant.post(url, {"reason": "材料另行提交", "code": "WRONGCODE9", "confirm": "on"})
    assert wrong.status_code == 404 and "查询码不正确" in text(wrong)
    assert Case.objects.get(pk=withdrawn.case.pk).status != CaseStatus.WITHDRAWN
    done = applicant.post(url, {"reason": "材料另行提交", "code": withdrawn.query_code, "confirm": "on"})
    assert done.status_code == 302
    assert Case.objects.get(pk=withdrawn.case.pk).status == CaseStatus.WITHDRAWN
    again = applicant.post(url, {"code": withdrawn.query_code, "confirm": "on"})
    assert again.status_code == 409 and "已办结" in text(again)


def test_one_address_files_a_bounded_number_of_applications_an_hour(case_world, settings):
    busy = "192.0.2.44"
    AttemptWindow.objects.create(
        key=f"apply:addr:{busy}",
        window_start=timezone.now(),
        count=settings.LIUQUAN_APPLICATIONS_PER_HOUR - 1,
    )
    assert Client(REMOTE_ADDR=busy).post(f"/cases/apply/{UNIT}/XK001/", apply_data()).status_code == 302
    refused = Client(REMOTE_ADDR=busy).post(f"/cases/apply/{UNIT}/XK001/", apply_data())
    assert refused.status_code == 429 and "分钟后再试" in text(refused)
    assert Case.objects.count() == 1  # the refused one wrote nothing
    assert (
        Client(REMOTE_ADDR="192.0.2.45").post(f"/cases/apply/{UNIT}/XK001/", apply_data()).status_code == 302
    )
    # A refused application does not count: a valid one after the window is taken again.
    AttemptWindow.objects.update(window_start=timezone.now() - actions.APPLICATION_WINDOW)
    assert Client(REMOTE_ADDR=busy).post(f"/cases/apply/{UNIT}/XK001/", apply_data()).status_code == 302


def test_a_cases_documents_are_bounded_in_total(case_world, settings, tmp_path):
    from liuquan.core.errors import InvalidInput

    settings.VAR_DIR = tmp_path
    nine = PDF + b"0" * (9 * 1024 * 1024)
    big = [(f"第{n}页.pdf", "申请书", nine + bytes([n]), "application/pdf") for n in range(6)]
    assert sum(len(data) for _, _, data, _ in big) > settings.LIUQUAN_CASE_FILES_MB * 1024 * 1024 == 50 << 20
    with pytest.raises(InvalidInput):
        public_open(case_world, files=big)
    assert not Case.objects.exists() and not (tmp_path / "files").exists()
    opened = public_open(case_world, files=big[:5])
    clerk = case_world.person("clerk")
    actions.do_complete_step(
        actor=clerk, case=opened.case, step="accept", outcome="correct", comment="缺章程"
    )
    with pytest.raises(InvalidInput):  # 45 MB stored, 9 more would pass 50
        actions.do_supplement(actor=public_person(), case=opened.case, files=big[5:])
    assert Case.objects.get(pk=opened.case.pk).status == CaseStatus.CORRECTION
