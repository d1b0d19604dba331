"""Real model shapes on the case engine: parallel branches (会签), a WAIT step whose timer moves the case,
a call activity inlined at publication with its version pinned; and what publishing checks beyond the
flow itself: the special-law limits registered against the law corpus (行政许可法 art. 42 para. 2) and the
unit's hearing threshold (行政处罚法 art. 63)."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import replace

import pytest
from django.core.management import call_command
from django.test import Client

from liuquan.calendars.queries import work_calendar
from liuquan.cases import actions, timers
from liuquan.cases.actions import CaseRefused
from liuquan.cases.models import CaseStatus, CaseStep
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.core.testing import login
from liuquan.flows import actions as flow_actions
from liuquan.flows import queries as flow_queries
from liuquan.flows.models import ProcessDefinition
from liuquan.flows.spec import DayKind, Limit, Sanction
from liuquan.flows.templates import template_for
from liuquan.laws import actions as law_actions
from liuquan.supervision import conformance
from tests.cases.conftest import MONDAY, complete, hire, open_licence, publish_flow
from tests.flows.shapes import calling_licensing, parallel_licensing, waiting_licensing
from tests.laws.corpus_factory import write, write_catalogue


def steps_open(case) -> list[str]:
    return sorted(
        CaseStep.objects.filter(case=case, completed_at__isnull=True).values_list("step", flat=True)
    )


def fits(case) -> bool:
    case.refresh_from_db()
    verdicts = conformance.judge_paths(case.definition.flow, [(case.pk, case.path)])
    return verdicts[case.pk].fits


# -- parallel branches --------------------------------------------------------------------------------


def test_a_joint_review_opens_both_branches_and_the_decision_waits_for_both(case_world, clock):
    publish_flow(case_world, "XK001", lambda _: parallel_licensing())
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    assert steps_open(case) == ["review", "site"]
    with pytest.raises(CaseRefused) as refused:
        complete(case_world, case, "leader", "decide", "grant")
    assert "审查、现场核查" in refused.value.message
    complete(case_world, case, "leader", "site", "pass")
    assert steps_open(case) == ["review"]
    case.refresh_from_db()
    assert case.current_step.startswith("review @join#") or case.current_step.endswith("review")
    complete(case_world, case, "reviewer", "review", "pass")
    assert steps_open(case) == ["decide"]
    complete(case_world, case, "leader", "decide", "grant")
    done = complete(case_world, case, "clerk", "deliver", "done")
    assert done.status == CaseStatus.DONE and done.current_step == ""
    assert fits(case)


def test_a_refusal_in_one_branch_closes_the_other_and_the_case(case_world):
    publish_flow(case_world, "XK001", lambda _: parallel_licensing())
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    ended = complete(case_world, case, "reviewer", "review", "refuse")
    assert ended.status == CaseStatus.DONE and steps_open(case) == []
    site = CaseStep.objects.get(case=case, step="site")
    assert site.outcome == "closed" and site.completed_by is None
    assert fits(case)
    # Read from the step rows too (the event log's way): the closed branch is a mark, the refusal the end.
    rows = CaseStep.objects.filter(case=case, completed_at__isnull=False).order_by("position")
    verdict = conformance.judge(case.definition.flow, [(case.pk, r.step, r.outcome) for r in rows])[case.pk]
    assert verdict.fits and verdict.finished


def test_separation_holds_across_branches(case_world):
    publish_flow(case_world, "XK001", lambda _: parallel_licensing())
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    complete(case_world, case, "leader", "site", "pass")
    from liuquan.org import actions as org_actions

    post = case_world.dept_a.posts.get(name="审核岗")
    org_actions.do_assign_post(actor=case_world.system, post=post, person=case_world.person("clerk"))
    with pytest.raises(CaseRefused) as refused:
        complete(case_world, case, "clerk", "review", "pass")
    assert refused.value.code == "separation_of_duties"


def test_a_claim_in_a_parallel_case_takes_the_branch_of_ones_post(case_world):
    publish_flow(case_world, "XK001", lambda _: parallel_licensing())
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    row = actions.do_claim_step(actor=case_world.person("leader"), case=case)
    assert row.step == "site"
    row = actions.do_claim_step(actor=case_world.person("reviewer"), case=case, step="review")
    assert row.step == "review"


# -- WAIT steps and timers ------------------------------------------------------------------------------


def test_a_timer_moves_a_waiting_case_once_its_days_have_run_out_and_not_before(case_world, clock):
    publish_flow(case_world, "XK001", lambda _: waiting_licensing(days=3))
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    assert steps_open(case) == ["consult"]
    with pytest.raises(CaseRefused) as refused:
        complete(case_world, case, "clerk", "consult", "silence")
    assert "自动流转" in refused.value.message
    # From Monday 28 September the third working day falls after the 国庆 holiday: the timer counts
    # working days, so it fires the day after that, not on 1 October.
    last = timers.timer_due(work_calendar(), MONDAY.date(), Limit(3, DayKind.WORKING))
    assert last > dt.date(2026, 10, 7)
    clock.set(MONDAY.replace(year=last.year, month=last.month, day=last.day))
    assert timers.do_fire_timers() == 0 and steps_open(case) == ["consult"]
    clock.set(MONDAY.replace(year=last.year, month=last.month, day=last.day) + dt.timedelta(days=1))
    assert timers.do_fire_timers() == 1
    assert steps_open(case) == ["review"]
    waited = CaseStep.objects.get(case=case, step="consult")
    assert waited.outcome == "silence" and waited.completed_by is None
    assert timers.do_fire_timers() == 0  # a replay moves nothing
    assert fits(case)


def test_a_message_before_the_timer_moves_the_case_the_other_way(case_world, clock):
    publish_flow(case_world, "XK001", lambda _: waiting_licensing(days=3))
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    complete(case_world, case, "clerk", "consult", "objection")
    clock.set(MONDAY + dt.timedelta(days=30))
    assert timers.do_fire_timers() == 0
    assert CaseStep.objects.get(case=case, step="consult").outcome == "objection"


# -- call activities --------------------------------------------------------------------------------


def test_a_called_flow_is_inlined_at_publication_and_pinned_to_its_version(case_world):
    hire(case_world, "enforcer", "执法岗")
    hire(case_world, "second_leader", "分管领导")  # the called 处理 step is kept apart from the caller's 决定
    jc = publish_flow(case_world, "JC001")
    draft = flow_actions.do_create_flow(
        actor=case_world.person("clerk"), unit=case_world.dept_a, power_code="XK001"
    )
    draft = flow_actions.do_update_flow(
        actor=case_world.person("clerk"), definition=draft, flow=calling_licensing("JC001")
    )
    flow_actions.do_publish_flow(actor=case_world.person("head"), definition=draft)
    draft.refresh_from_db()
    stored = draft.flow
    assert [(c.step, c.power, c.version) for c in stored.calls] == [("review", "JC001", jc.version)]
    assert "review.inspect" in [s.key for s in stored.steps]
    # A new version of the called flow leaves the caller's published version as it was.
    publish_flow(case_world, "JC001", lambda f: replace(f, description="改过"))
    again = ProcessDefinition.objects.get(pk=draft.pk)
    assert again.spec == draft.spec
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    assert steps_open(case) == ["review.inspect"]
    complete(case_world, case, "enforcer", "review.inspect", "clear")
    assert steps_open(case) == ["decide"]
    assert fits(case)


def test_a_call_to_a_power_without_a_published_flow_is_refused(case_world):
    draft = flow_actions.do_create_flow(
        actor=case_world.person("clerk"), unit=case_world.dept_a, power_code="XK001"
    )
    draft = flow_actions.do_update_flow(
        actor=case_world.person("clerk"), definition=draft, flow=calling_licensing("JC001")
    )
    with pytest.raises(RuleViolation) as refused:
        flow_actions.do_publish_flow(actor=case_world.person("head"), definition=draft)
    assert "JC001" in refused.value.message and "没有已公布的流程" in refused.value.message
    draft = ProcessDefinition.objects.get(pk=draft.pk)
    draft = flow_actions.do_update_flow(
        actor=case_world.person("clerk"), definition=draft, flow=calling_licensing("XK001")
    )
    with pytest.raises(RuleViolation) as refused:
        flow_actions.do_publish_flow(actor=case_world.person("head"), definition=draft)
    assert "不能调用本事项自身" in refused.value.message


# -- the special-law limit registry ---------------------------------------------------------------------

LICENSING_LAW = """# 中华人民共和国行政许可法

2019年4月23日 第十三届全国人民代表大会常务委员会第十次会议修正

%INFO_END%

第四十二条 除可以当场作出行政许可决定的外，行政机关应当自受理行政许可申请之日起二十日内作出行政许可决定。二十日内不能作出决定的，经本行政机关负责人批准，可以延长十日，并应当将延长期限的理由告知申请人。但是，法律、法规另有规定的，依照其规定。

依照本法第二十六条的规定，行政许可采取统一办理或者联合办理、集中办理的，办理的时间不得超过四十五日；四十五日内不能办结的，经本级人民政府负责人批准，可以延长十五日，并应当将延长期限的理由告知申请人。
"""

REPEALED = """# 某某审批条例

2001年1月1日 国务院令

%INFO_END%

第九条 审批机关应当自受理之日起六十日内作出决定。
"""


@pytest.fixture
def corpus(case_world, tmp_path):
    from liuquan.laws.corpus import INFO_END

    root = tmp_path / "laws"
    write_catalogue(
        root,
        [
            ("v2019", "法律", "行政许可法", None, "2019-04-23", 0, "", "c-admin"),
            ("r2001", "行政法规", "某某审批条例", None, "2001-01-01", 1, "", "c-reg"),
        ],
    )
    write(root, "行政法/行政许可法(2019-04-23).md", LICENSING_LAW.replace("%INFO_END%", INFO_END))
    write(root, "行政法规/某某审批条例(2001-01-01).md", REPEALED.replace("%INFO_END%", INFO_END))
    law_actions.do_import_corpus(actor=case_world.system, root=root)
    return case_world


def register(world, **changes):
    options = {
        "actor": world.person("reform_office"),
        "category": "licensing",
        "law": "行政许可法",
        "article": 42,
        "paragraph": 2,
        "case": Limit(45, DayKind.WORKING),
        "extension": Limit(15, DayKind.WORKING),
    } | changes
    return flow_actions.do_register_special_limit(**options)


def test_joint_handling_in_45_days_publishes_once_art_42_para_2_is_registered(corpus):
    joint = lambda f: replace(f, case_limit=Limit(45, DayKind.WORKING), extension=Limit(15, DayKind.WORKING))  # noqa: E731
    draft = flow_actions.do_create_flow(actor=corpus.person("clerk"), unit=corpus.dept_a, power_code="XK001")
    draft = flow_actions.do_update_flow(
        actor=corpus.person("clerk"), definition=draft, flow=joint(draft.flow)
    )
    with pytest.raises(RuleViolation) as refused:
        flow_actions.do_publish_flow(actor=corpus.person("head"), definition=draft)
    assert "第四十二条" in refused.value.message
    row = register(corpus)
    assert row.key == "行政许可法第四十二条第二款"
    cited = replace(joint(draft.flow), limit_basis=row.key)
    draft = flow_actions.do_update_flow(actor=corpus.person("clerk"), definition=draft, flow=cited)
    report = flow_actions.do_publish_flow(actor=corpus.person("head"), definition=draft)
    assert report.definition.status == "published"
    assert flow_queries.registered_limits()[row.key].case == Limit(45, DayKind.WORKING)


def test_a_special_limit_must_be_what_the_article_says_art_42(corpus):
    with pytest.raises(InvalidInput) as wrong:
        register(corpus, case=Limit(60, DayKind.WORKING))
    assert "六十日" in wrong.value.message and wrong.value.detail["field"] == "case"
    with pytest.raises(InvalidInput) as first_paragraph:
        register(corpus, paragraph=1)  # para. 1 says 二十日, not 四十五日
    assert "四十五日" in first_paragraph.value.message
    with pytest.raises(InvalidInput) as no_paragraph:
        register(corpus, paragraph=3)
    assert "只有2款" in no_paragraph.value.message
    with pytest.raises(InvalidInput) as no_article:
        register(corpus, article=142)
    assert "没有第一百四十二条" in no_article.value.message
    with pytest.raises(InvalidInput) as repealed:
        register(
            corpus,
            law="某某审批条例",
            article=9,
            paragraph=0,
            case=Limit(60, DayKind.NATURAL),
            extension=None,
        )
    assert "废止" in repealed.value.message
    with pytest.raises(InvalidInput) as unknown:
        register(corpus, law="不存在的法")
    assert "法规库中没有" in unknown.value.message


def test_only_the_reform_office_registers_and_only_once(corpus):
    for who in ("clerk", "head", "inspector"):
        with pytest.raises(Forbidden):
            register(corpus, actor=corpus.person(who) if who != "inspector" else corpus.person("auditor"))
    register(corpus)
    with pytest.raises(Conflict):
        register(corpus)


# -- the hearing threshold ------------------------------------------------------------------------------


def test_a_large_fine_needs_a_hearing_step_from_the_units_threshold_art_63(case_world):
    def no_hearing(flow):
        drop = {"hearing"}
        transitions = tuple(t for t in flow.transitions if t.source not in drop and t.target not in drop)
        return replace(
            flow,
            steps=tuple(s for s in flow.steps if s.key not in drop),
            transitions=transitions,
            separation=tuple(g for g in flow.separation if not set(g.steps) & drop),
            sanctions=(Sanction.FINE,),
            max_amount=5_000,
        )

    unit = case_world.dept_a
    current = flow_queries.flow_in_force(unit, "CF001")
    assert current is not None
    draft = flow_actions.do_create_flow(actor=case_world.person("clerk"), unit=unit, power_code="CF001")
    draft = flow_actions.do_update_flow(
        actor=case_world.person("clerk"), definition=draft, flow=no_hearing(draft.flow)
    )
    with pytest.raises(RuleViolation) as refused:  # no threshold registered: every fine counts as large
        flow_actions.do_publish_flow(actor=case_world.person("head"), definition=draft)
    assert "第六十三条" in refused.value.message
    with pytest.raises(Forbidden):
        flow_actions.do_set_hearing_threshold(
            actor=case_world.person("clerk"), unit=unit, amount=10_000, basis="省规定"
        )
    with pytest.raises(InvalidInput):
        flow_actions.do_set_hearing_threshold(
            actor=case_world.person("head"), unit=unit, amount=10_000, basis=" "
        )
    flow_actions.do_set_hearing_threshold(
        actor=case_world.person("head"), unit=unit, amount=10_000, basis="山西省行政处罚听证程序规定第三条"
    )
    report = flow_actions.do_publish_flow(
        actor=case_world.person("head"), definition=ProcessDefinition.objects.get(pk=draft.pk)
    )
    assert report.definition.status == "published"


def test_the_penalty_template_declares_nothing_and_keeps_its_hearing():
    flow = template_for("penalty")
    assert flow.sanctions == () and any(s.kind == "hearing" for s in flow.steps)


def test_the_cli_registers_and_lists_special_limits_and_sets_the_threshold(corpus):
    out = io.StringIO()
    call_command(
        "flows",
        "special-limit",
        "add",
        "--category=licensing",
        "--law=行政许可法",
        "--article=42",
        "--paragraph=2",
        "--case-days=45",
        "--extension-days=15",
        f"--actor={corpus.person('reform_office').username}",
        stdout=out,
    )
    assert "行政许可法第四十二条第二款" in out.getvalue()
    listed = io.StringIO()
    call_command("flows", "special-limit", "list", "--json", stdout=listed)
    [row] = json.loads(listed.getvalue())
    assert (row["key"], row["case_days"], row["extension_days"]) == ("行政许可法第四十二条第二款", 45, 15)
    out = io.StringIO()
    call_command(
        "flows",
        "hearing-threshold",
        f"--unit={corpus.dept_a.code}",
        "--amount=10000",
        "--basis=省级规定",
        f"--actor={corpus.person('head').username}",
        stdout=out,
    )
    assert flow_queries.hearing_threshold(corpus.dept_a) == 10_000


def test_each_branch_is_handled_from_the_console_by_its_own_post(case_world):
    publish_flow(case_world, "XK001", lambda _: parallel_licensing())
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    number = case.number
    reviewer = login(Client(), case_world.person("reviewer"))
    page = reviewer.get(f"/console/cases/{number}/").content.decode()
    assert 'name="step" value="review"' in page and "审查" in page
    leader = login(Client(), case_world.person("leader"))
    page = leader.get(f"/console/cases/{number}/").content.decode()
    assert 'name="step" value="site"' in page
    done = leader.post(
        f"/console/cases/{number}/complete/", {"step": "site", "outcome": "pass", "comment": ""}
    )
    assert done.status_code == 302
    done = reviewer.post(
        f"/console/cases/{number}/complete/", {"step": "review", "outcome": "pass", "comment": ""}
    )
    assert done.status_code == 302
    assert steps_open(case) == ["decide"]


def test_a_timer_outcome_is_not_offered_on_the_console(case_world):
    publish_flow(case_world, "XK001", lambda _: waiting_licensing(days=3))
    case = open_licence(case_world)
    complete(case_world, case, "clerk", "accept", "pass")
    clerk = login(Client(), case_world.person("clerk"))
    page = clerk.get(f"/console/cases/{case.number}/").content.decode()
    assert 'value="objection"' in page and 'value="silence"' not in page


def test_a_licensing_flow_published_before_case_limits_were_required_still_gives_a_due_date_art_42(
    case_world, clock
):
    """A version in force from before the rule (here written straight into the table, as an old release
    would have left it): its cases run on the statute's 20 working days instead of on no clock at all."""
    from django.utils import timezone

    from liuquan.flows import codec

    current = flow_queries.flow_in_force(case_world.dept_a, "XK001")
    assert current is not None
    legacy = replace(template_for("licensing"), case_limit=None)
    ProcessDefinition.objects.filter(pk=current.pk).update(status="superseded")
    ProcessDefinition.objects.create(
        unit=case_world.dept_a,
        power_code="XK001",
        power_name=current.power_name,
        version=current.version + 1,
        status="published",
        spec=codec.encode(legacy),
        source="legacy",
        created_at=timezone.now(),
        created_by=case_world.person("head"),
        published_at=timezone.now(),
    )
    case = open_licence(case_world)
    accepted = complete(case_world, case, "clerk", "accept", "pass")
    expected = timers.timer_due(work_calendar(), MONDAY.date(), Limit(20, DayKind.WORKING))
    assert accepted.due_on == expected


def test_the_console_sets_the_limits_the_basis_and_the_penalties_of_a_draft(case_world):
    draft = flow_actions.do_create_flow(
        actor=case_world.person("clerk"), unit=case_world.dept_a, power_code="CF001"
    )
    clerk = login(Client(), case_world.person("clerk"))
    url = f"/console/flows/{case_world.dept_a.code}/CF001/"
    page = clerk.get(url).content.decode()
    assert 'data-testid="limits-form"' in page and "责令停产停业" in page and "一般法定时限" in page
    saved = clerk.post(
        url + "limits/",
        {
            "limits-case_days": "60",
            "limits-case_kind": "natural",
            "limits-extension_days": "",
            "limits-limit_basis": "",
            "limits-sanctions": ["warning", "fine"],
            "limits-max_amount": "2000",
        },
    )
    assert saved.status_code == 302
    flow = ProcessDefinition.objects.get(pk=draft.pk).flow
    assert flow.case_limit == Limit(60, DayKind.NATURAL) and flow.extension is None
    assert flow.sanctions == (Sanction.WARNING, Sanction.FINE) and flow.max_amount == 2000
    # A basis that is not registered cannot be chosen.
    refused = clerk.post(
        url + "limits/",
        {"limits-case_days": "60", "limits-case_kind": "natural", "limits-limit_basis": "某法第一条"},
    )
    assert refused.status_code == 302
    assert ProcessDefinition.objects.get(pk=draft.pk).flow.limit_basis == ""


def test_a_penalty_flow_cannot_declare_away_what_its_basis_allows_art_63(world):
    from tests.flows.conftest import publish_list, staff
    from tests.powers.test_lists import item

    basis = (
        "《殡葬管理条例》第二十二条：由民政部门责令改正，没收违法所得，可以并处罚款；情节严重的，吊销营业执照"
    )
    publish_list(world, [replace(item("CF009", "对违规殡葬用品的处罚", "penalty"), basis=basis)])
    staff(world)
    draft = flow_actions.do_create_flow(actor=world.person("clerk"), unit=world.dept_a, power_code="CF009")

    def only_a_warning(flow):
        cut = {"hearing"}
        return replace(
            flow,
            steps=tuple(s for s in flow.steps if s.key not in cut),
            transitions=tuple(t for t in flow.transitions if t.source not in cut and t.target not in cut),
            separation=tuple(g for g in flow.separation if not set(g.steps) & cut),
            sanctions=(Sanction.WARNING,),
        )

    draft = flow_actions.do_update_flow(
        actor=world.person("clerk"), definition=draft, flow=only_a_warning(draft.flow)
    )
    with pytest.raises(RuleViolation) as refused:
        flow_actions.do_publish_flow(actor=world.person("head"), definition=draft)
    assert "吊销许可证件" in refused.value.message and "罚款" in refused.value.message
