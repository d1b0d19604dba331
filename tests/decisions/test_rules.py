"""三重一大 collective decision as pure rules: no database.

Article numbers are those of 重大行政决策程序暂行条例 (2019); quorum and vote thresholds are the unit's own
rule (`Ratio`), tested against the module's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuquan.decisions import rules
from liuquan.decisions.rules import (
    HALF,
    TWO_THIRDS,
    Category,
    Choice,
    Outcome,
    PreStep,
    Ratio,
    Seat,
    StepDone,
    VoteBase,
    attending,
    ballot_problem,
    default_quorum,
    entitled,
    principal_dissents,
    quorum_problem,
    statement_problem,
    statements_complete,
    tabling_problems,
    tally,
)

HEAD = "head"


def council(
    members: int, *, absent: Iterable[str] = (), recused: Iterable[str] = (), head: bool = True
) -> list[Seat]:
    """`members` seats: the principal `head` (when `head`) and m1, m2, …; everyone present unless named."""
    absent, recused = set(absent), set(recused)
    names = ([HEAD] if head else []) + [f"m{i}" for i in range(1, members + 1 - head)]
    return [
        Seat(person=name, principal=name == HEAD, present=name not in absent, recused=name in recused)
        for name in names
    ]


def everyone_but_the_head(seats: list[Seat]) -> set[str]:
    return {seat.person for seat in attending(seats) if not seat.principal}


def code_of(problem: object) -> str | None:
    return getattr(problem, "code", None)


# -- statements (末位表态) -----------------------------------------------------------------------------


def test_the_principal_states_last_art_30_para_2():
    seats = council(5)
    problem = statement_problem(seats, {"m1", "m2"}, HEAD)
    assert problem is not None and problem.code == "principal_not_last"
    assert "还有2名成员未发表意见" in problem.message and "第三十条第二款" in problem.message
    assert "art. 30 para. 2" in problem.message_en


def test_the_principal_may_not_open_the_statements_art_30_para_2():
    assert code_of(statement_problem(council(3), set(), HEAD)) == "principal_not_last"


def test_the_principal_states_once_every_present_member_has_stated_art_30_para_2():
    seats = council(5)
    assert statement_problem(seats, everyone_but_the_head(seats), HEAD) is None


def test_absent_and_recused_members_do_not_hold_the_principal_up_art_30_para_2():
    seats = council(6, absent={"m1"}, recused={"m2"})
    assert statement_problem(seats, {"m3", "m4", "m5"}, HEAD) is None
    assert statements_complete(seats, {"m3", "m4", "m5", HEAD})


def test_a_recused_member_who_is_present_does_not_hold_the_principal_up_art_30_para_2():
    seats = council(4, recused={"m3"})
    assert seats[3].present and seats[3].recused
    assert statement_problem(seats, {"m1", "m2"}, HEAD) is None


def test_members_may_state_in_any_order_before_the_principal():
    seats = council(4)
    assert statement_problem(seats, set(), "m3") is None
    assert statement_problem(seats, {"m3"}, "m1") is None


def test_nobody_states_twice():
    seats = council(3)
    assert code_of(statement_problem(seats, {"m1"}, "m1")) == "already_stated"
    assert code_of(statement_problem(seats, {"m1", "m2", HEAD}, HEAD)) == "already_stated"


def test_nobody_states_after_the_principal_art_30_para_2():
    # m3 was absent when the principal closed the statements and signs in late: too late to state
    closed = {"m1", "m2", HEAD}
    assert statement_problem(council(4, absent={"m3"}), {"m1", "m2"}, HEAD) is None
    problem = statement_problem(council(4), closed, "m3")
    assert problem is not None and problem.code == "after_principal"
    assert "表态已结束" in problem.message


def test_a_non_member_cannot_state():
    seats = council(3)
    problem = statement_problem(seats, set(), "outsider")
    assert problem is not None and problem.code == "not_a_member"
    assert code_of(statement_problem(seats, set(), "")) == "not_a_member"


def test_an_absent_member_cannot_state_on_the_spot():
    seats = council(3, absent={"m1"})
    problem = statement_problem(seats, set(), "m1")
    assert problem is not None and problem.code == "absent" and "书面意见另行记录" in problem.message


def test_a_recused_member_cannot_state():
    seats = council(3, recused={"m1"})
    assert code_of(statement_problem(seats, set(), "m1")) == "recused"
    # a recused principal is refused too, and then holds nobody up
    seats = council(3, recused={HEAD})
    assert code_of(statement_problem(seats, {"m1", "m2"}, HEAD)) == "recused"
    assert statements_complete(seats, {"m1", "m2"})


def test_without_a_principal_present_the_members_close_the_statements():
    seats = council(4, absent={HEAD})
    assert code_of(statement_problem(seats, set(), HEAD)) == "absent"
    assert statements_complete(seats, {"m1", "m2", "m3"})


seat_lists = st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=8).map(
    lambda flags: [
        Seat(person=HEAD if i == 0 else f"m{i}", principal=i == 0, present=present, recused=recused)
        for i, (present, recused) in enumerate(flags)
    ]
)


@given(seats=seat_lists, data=st.data())
def test_whatever_the_order_of_attempts_the_principal_is_last_and_nobody_twice_art_30_para_2(seats, data):
    names = [seat.person for seat in seats] + ["outsider"]
    attempts = data.draw(st.lists(st.sampled_from(names), max_size=40))
    # every name tried again at the end, so the round can always finish
    attempts += data.draw(st.permutations(names)) * 2
    stated: list[str] = []
    for person in attempts:
        if statement_problem(seats, set(stated), person) is None:
            stated.append(person)

    present = {seat.person for seat in attending(seats)}
    assert len(stated) == len(set(stated))
    assert set(stated) == present
    assert statements_complete(seats, set(stated))
    if HEAD in present:
        assert stated[-1] == HEAD


# -- quorum ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", [Category.DECISION, Category.PROJECT, Category.FUNDS])
def test_other_matters_need_more_than_half_present(category):
    assert default_quorum(category) == HALF
    assert code_of(quorum_problem(council(6, absent={"m1", "m2", "m3"}), HALF)) == "no_quorum"  # 3 of 6
    assert quorum_problem(council(6, absent={"m1", "m2"}), HALF) is None  # 4 of 6
    assert quorum_problem(council(7, absent={"m1", "m2", "m3"}), HALF) is None  # 4 of 7


def test_personnel_matters_need_at_least_two_thirds_present():
    rule = default_quorum(Category.PERSONNEL)
    assert rule == TWO_THIRDS
    assert quorum_problem(council(6, absent={"m1", "m2"}), rule) is None  # 4 of 6 is exactly 2/3
    assert code_of(quorum_problem(council(6, absent={"m1", "m2", "m3"}), rule)) == "no_quorum"
    assert quorum_problem(council(9, absent={"m1", "m2", "m3"}), rule) is None  # 6 of 9
    assert code_of(quorum_problem(council(9, absent={"m1", "m2", "m3", "m4"}), rule)) == "no_quorum"
    assert code_of(quorum_problem(council(7, absent={"m1", "m2", "m3"}), rule)) == "no_quorum"  # 4 of 7


def test_a_recused_member_in_the_room_does_not_make_the_quorum():
    # 7 members, 4 in the room but one of them recused: 3 of 6 entitled is not more than half
    seats = council(7, absent={"m1", "m2", "m3"}, recused={"m4"})
    assert len(entitled(seats)) == 6 and len(attending(seats)) == 3
    problem = quorum_problem(seats, HALF)
    assert problem is not None and problem.code == "no_quorum"
    assert "到会可参加本议题的成员3人，应到6人" in problem.message and "超过半数" in problem.message


def test_a_recused_absent_member_does_not_count_as_missing():
    # 6 members, 3 present, one of the absent recused: 3 of 5 entitled is more than half
    seats = council(6, absent={"m1", "m2", "m3"}, recused={"m3"})
    assert quorum_problem(seats, HALF) is None


def test_personnel_quorum_with_recusals():
    # 7 members, two recused, 4 of the other 5 present: 4/5 ≥ 2/3; with 3 present, 3/5 < 2/3
    assert quorum_problem(council(7, absent={"m1"}, recused={"m5", "m6"}), TWO_THIRDS) is None
    problem = quorum_problem(council(7, absent={"m1", "m2"}, recused={"m5", "m6"}), TWO_THIRDS)
    assert problem is not None and "不少于三分之二" in problem.message and "(2/3)" in problem.message_en


def test_no_quorum_when_everyone_is_recused():
    seats = council(3, recused={HEAD, "m1", "m2"})
    assert code_of(quorum_problem(seats, HALF)) == "no_quorum"
    assert code_of(quorum_problem(seats, Ratio(0, 1, strict=False))) == "no_quorum"


# -- ballots -----------------------------------------------------------------------------------------


def closed_statements(seats: list[Seat]) -> set[str]:
    return {seat.person for seat in attending(seats)}


def test_a_present_member_votes_once_statements_are_complete():
    seats = council(5)
    stated = closed_statements(seats)
    assert all(ballot_problem(seats, stated, set(), seat.person) is None for seat in seats)


def test_no_vote_before_the_principal_has_stated_art_30_para_2():
    seats = council(5)
    problem = ballot_problem(seats, everyone_but_the_head(seats), set(), "m1")
    assert problem is not None and problem.code == "statements_open"


def test_no_vote_before_any_statement():
    seats = council(3)
    assert {code_of(ballot_problem(seats, set(), set(), s.person)) for s in seats} == {"statements_open"}


def test_no_double_vote():
    seats = council(3)
    problem = ballot_problem(seats, closed_statements(seats), {"m1"}, "m1")
    assert problem is not None and problem.code == "already_voted"


def test_a_recused_member_cannot_vote():
    seats = council(4, recused={"m1"})
    assert code_of(ballot_problem(seats, closed_statements(seats), set(), "m1")) == "recused"


def test_an_absent_members_written_opinion_is_not_a_vote():
    seats = council(4, absent={"m1"})
    problem = ballot_problem(seats, closed_statements(seats), set(), "m1")
    assert problem is not None and problem.code == "absent"
    assert "书面意见不计入表决票" in problem.message and "not a vote" in problem.message_en


def test_a_non_member_cannot_vote():
    seats = council(3)
    assert code_of(ballot_problem(seats, closed_statements(seats), set(), "outsider")) == "not_a_member"


# -- tally -------------------------------------------------------------------------------------------

A, D, F = Choice.AGREE, Choice.DISAGREE, Choice.DEFER


def test_passing_on_present_members_is_not_passing_on_entitled_members():
    # 9 members, 5 present, 3 agree: 3 > 5/2 passes on 实到, but 3 is not more than 9/2 of 应到
    seats = council(9, absent={"m1", "m2", "m3", "m4"})
    choices = [A, A, A, D, D]
    on_present = tally(choices, seats, HALF, VoteBase.PRESENT)
    on_entitled = tally(choices, seats, HALF, VoteBase.ENTITLED)
    assert on_present.outcome is Outcome.PASSED and on_present.base == 5
    assert on_entitled.outcome is Outcome.REJECTED and on_entitled.base == 9
    assert on_entitled.basis == "同意票超过半数应到人数（应到9人）"
    assert on_present.basis == "同意票超过半数实到人数（实到5人）"


def test_four_of_seven_agreeing_passes_on_entitled_members():
    seats = council(7, absent={"m1", "m2", "m3"})
    result = tally([A, A, A, A], seats, HALF, VoteBase.ENTITLED)
    assert result.outcome is Outcome.PASSED and (result.agree, result.base) == (4, 7)


def test_half_of_the_entitled_is_not_more_than_half():
    seats = council(8, absent={"m1", "m2"})
    assert tally([A, A, A, A, D, D], seats, HALF, VoteBase.ENTITLED).outcome is Outcome.REJECTED


def test_recused_members_count_neither_in_entitled_nor_in_present():
    # 7 members, 2 recused (one of them in the room), 1 absent: 应到 5, 实到 4
    seats = council(7, absent={"m1"}, recused={"m5", "m6"})
    assert tally([A, A, A, D], seats, HALF, VoteBase.ENTITLED).base == 5
    assert tally([A, A, A, D], seats, HALF, VoteBase.PRESENT).base == 4
    assert tally([A, A, A, D], seats, HALF, VoteBase.ENTITLED).outcome is Outcome.PASSED  # 3 of 5


@pytest.mark.parametrize(
    ("choices", "outcome"),
    [
        ([A, A, A, D, F], Outcome.PASSED),
        ([A, A, D, F, F], Outcome.DEFERRED),
        ([A, A, D, D, F], Outcome.REJECTED),
        ([A, A, D, F, D], Outcome.REJECTED),
        ([A, F, D, F, D], Outcome.REJECTED),  # as many to defer as against: not deferred
        ([F, F, F, F, F], Outcome.DEFERRED),
        ([D, D, D, D, D], Outcome.REJECTED),
        ([], Outcome.REJECTED),
    ],
)
def test_outcomes(choices, outcome):
    result = tally(choices, council(5), HALF, VoteBase.ENTITLED)
    assert result.outcome is outcome
    assert (result.agree, result.disagree, result.defer) == (
        choices.count(A),
        choices.count(D),
        choices.count(F),
    )


def test_a_passing_vote_is_not_deferred_even_if_more_asked_to_defer_than_refused():
    seats = council(9, absent={"m1", "m2"})
    assert tally([A] * 5 + [F, F], seats, HALF, VoteBase.ENTITLED).outcome is Outcome.PASSED


def test_nobody_entitled_passes_nothing():
    seats = council(3, recused={HEAD, "m1", "m2"})
    assert tally([A, A, A], seats, HALF, VoteBase.ENTITLED).outcome is Outcome.REJECTED


@given(
    choices=st.lists(st.sampled_from(list(Choice)), max_size=11),
    data=st.data(),
    base=st.sampled_from(list(VoteBase)),
    rule=st.sampled_from([HALF, TWO_THIRDS]),
)
def test_the_result_does_not_depend_on_the_order_of_the_ballots(choices, data, base, rule):
    seats = council(11, absent={f"m{i}" for i in range(1, 11 - len(choices) + 1)})
    shuffled = data.draw(st.permutations(choices))
    assert tally(shuffled, seats, rule, base) == tally(choices, seats, rule, base)


@given(choices=st.lists(st.sampled_from(list(Choice)), min_size=1, max_size=11), absent=st.integers(0, 10))
def test_passing_on_entitled_members_implies_passing_on_present_ones(choices, absent):
    seats = council(11, absent={f"m{i}" for i in range(1, absent + 1)})
    if tally(choices, seats, HALF, VoteBase.ENTITLED).outcome is Outcome.PASSED:
        assert tally(choices, seats, HALF, VoteBase.PRESENT).outcome is Outcome.PASSED


# -- Ratio -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "count", "total", "met"),
    [
        (HALF, 3, 6, False),
        (HALF, 4, 6, True),
        (HALF, 3, 5, True),
        (HALF, 2, 5, False),
        (HALF, 1, 1, True),
        (HALF, 0, 0, False),
        (TWO_THIRDS, 4, 6, True),
        (TWO_THIRDS, 3, 6, False),
        (TWO_THIRDS, 2, 3, True),
        (TWO_THIRDS, 4, 7, False),
        (TWO_THIRDS, 5, 7, True),
        (TWO_THIRDS, 0, 0, False),
        (Ratio(1, 2, strict=False), 3, 6, True),
        (Ratio(2, 3, strict=True), 4, 6, False),
        (Ratio(2, 3, strict=True), 5, 6, True),
    ],
)
def test_ratio_boundaries(rule, count, total, met):
    assert rule.met(count, total) is met


@given(num=st.integers(1, 10), den=st.integers(1, 10), count=st.integers(0, 50), total=st.integers(1, 50))
def test_strict_and_inclusive_ratios_differ_only_at_the_exact_share(num, den, count, total):
    strict, inclusive = Ratio(num, den, strict=True), Ratio(num, den, strict=False)
    exact = count * den == num * total
    assert strict.met(count, total) == (inclusive.met(count, total) and not exact)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (HALF, "超过半数"),
        (TWO_THIRDS, "不少于三分之二"),
        (Ratio(1, 2, strict=False), "不少于半数"),
        (Ratio(2, 3, strict=True), "超过三分之二"),
        (Ratio(3, 4, strict=False), "不少于四分之三"),
        (Ratio(1, 10, strict=True), "超过十分之一"),
        (Ratio(11, 20, strict=True), "超过11/20"),
    ],
)
def test_ratio_reads_in_chinese(rule, text):
    assert str(rule) == text


# -- before the meeting ------------------------------------------------------------------------------

START = date(2026, 3, 2)


def step(kind: PreStep, days: int, *, ended: date | None = date(2026, 4, 30), reason: str = "") -> StepDone:
    return StepDone(kind=kind, started=START, ended=ended, days=days, shortened_because=reason)


ALL_DONE = [
    step(PreStep.PUBLIC_COMMENT, 30),
    step(PreStep.EXPERT, 5),
    step(PreStep.RISK, 10),
    step(PreStep.LEGALITY, 7),
]


def codes(required: Iterable[PreStep], done: list[StepDone]) -> list[str]:
    return [problem.code for problem in tabling_problems(set(required), done)]


def test_a_topic_with_every_required_step_finished_may_be_tabled():
    assert tabling_problems(set(PreStep) - {PreStep.INQUIRY}, ALL_DONE) == []
    assert tabling_problems(set(), []) == []


def test_a_topic_is_not_tabled_before_its_legality_review_art_25():
    problems = tabling_problems({PreStep.LEGALITY}, ALL_DONE[:3])
    assert [p.code for p in problems] == ["pre_step_missing"]
    assert "合法性审查" in problems[0].message and "不能列入会议议程" in problems[0].message


def test_an_unfinished_step_is_not_done_arts_19_22_25():
    for kind in (PreStep.EXPERT, PreStep.RISK, PreStep.LEGALITY):
        done = [step(kind, 30, ended=None)]
        assert codes({kind}, done) == ["pre_step_missing"]


def test_a_personnel_inquiry_must_be_done():
    problems = tabling_problems({PreStep.INQUIRY}, ALL_DONE)
    assert [p.code for p in problems] == ["pre_step_missing"]
    assert "考察及征求纪检监察意见" in problems[0].message


def test_missing_steps_are_listed_in_the_order_of_the_procedure():
    problems = tabling_problems([PreStep.LEGALITY, PreStep.PUBLIC_COMMENT, PreStep.RISK], [])
    assert [p.message_en.rsplit(" ", 1)[-1] for p in problems] == ["public_comment", "risk", "legality"]


def test_a_step_done_but_not_required_raises_nothing():
    assert tabling_problems({PreStep.EXPERT}, [step(PreStep.EXPERT, 1), step(PreStep.RISK, 1)]) == []


def test_public_comment_under_30_days_needs_a_reason_art_15():
    problems = tabling_problems({PreStep.PUBLIC_COMMENT}, [step(PreStep.PUBLIC_COMMENT, 29)])
    assert [p.code for p in problems] == ["public_comment_too_short"]
    assert "只有29日" in problems[0].message and "第十五条第一款" in problems[0].message


def test_public_comment_of_30_days_needs_no_reason_art_15():
    assert codes({PreStep.PUBLIC_COMMENT}, [step(PreStep.PUBLIC_COMMENT, 30)]) == []


def test_a_shortened_public_comment_with_a_reason_is_allowed_art_15():
    done = [step(PreStep.PUBLIC_COMMENT, 10, reason="防汛应急，情况紧急")]
    assert codes({PreStep.PUBLIC_COMMENT}, done) == []


def test_legality_review_under_7_working_days_needs_a_reason_art_26_para_2():
    problems = tabling_problems({PreStep.LEGALITY}, [step(PreStep.LEGALITY, 6)])
    assert [p.code for p in problems] == ["legality_review_too_short"]
    assert "只有6个工作日" in problems[0].message and "第二十六条第二款" in problems[0].message


def test_legality_review_of_7_working_days_needs_no_reason_art_26_para_2():
    assert codes({PreStep.LEGALITY}, [step(PreStep.LEGALITY, 7)]) == []
    assert codes({PreStep.LEGALITY}, [step(PreStep.LEGALITY, 3, reason="上级限期报送")]) == []


@pytest.mark.parametrize("blank", ["", " ", "\n\t", "\u3000", " \u3000 \n"])
def test_a_blank_reason_is_no_reason_arts_15_and_26_para_2(blank):
    done = [step(PreStep.PUBLIC_COMMENT, 5, reason=blank), step(PreStep.LEGALITY, 2, reason=blank)]
    assert codes({PreStep.PUBLIC_COMMENT, PreStep.LEGALITY}, done) == [
        "public_comment_too_short",
        "legality_review_too_short",
    ]


def test_other_steps_have_no_minimum_length_arts_19_22():
    done = [step(PreStep.EXPERT, 0), step(PreStep.RISK, 0)]
    assert codes({PreStep.EXPERT, PreStep.RISK}, done) == []


# -- the principal's dissent -------------------------------------------------------------------------


def test_the_principal_dissents_from_the_majority_art_30_para_2():
    seats = council(5)
    assert principal_dissents({"m1": A, "m2": A, "m3": D, "m4": A, HEAD: D}, seats)
    assert principal_dissents({"m1": A, "m2": A, "m3": A, "m4": A, HEAD: F}, seats)


def test_the_principal_agreeing_with_the_majority_does_not_dissent_art_30_para_2():
    seats = council(5)
    assert not principal_dissents({"m1": A, "m2": A, "m3": D, "m4": A, HEAD: A}, seats)


def test_without_a_majority_among_the_others_there_is_nothing_to_dissent_from():
    seats = council(5)
    assert not principal_dissents({"m1": A, "m2": A, "m3": D, "m4": D, HEAD: F}, seats)
    assert not principal_dissents({"m1": A, "m2": D, "m3": F, HEAD: D}, seats)


def test_no_dissent_before_the_principal_has_stated_or_without_others_or_without_a_principal():
    assert not principal_dissents({"m1": A, "m2": A}, council(3))
    assert not principal_dissents({HEAD: D}, council(3))
    assert not principal_dissents({"m1": A, "m2": A, "m3": D}, council(4, head=False))


@given(
    statements=st.dictionaries(
        st.sampled_from(["m1", "m2", "m3", "m4", "m5", "m6"]), st.sampled_from(list(Choice))
    )
)
def test_the_principal_who_sides_with_the_others_never_dissents(statements):
    others = list(statements.values())
    for choice in Choice:
        if others.count(choice) * 2 > len(others):
            assert not principal_dissents({**statements, HEAD: choice}, council(7))


def test_a_public_comment_held_though_not_required_is_still_held_to_30_days_art_15() -> None:
    held = rules.StepDone(rules.PreStep.PUBLIC_COMMENT, date(2026, 9, 1), date(2026, 9, 6), 5)
    assert [p.code for p in rules.tabling_problems([], [held])] == ["public_comment_too_short"]
