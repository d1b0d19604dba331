"""The rules of collective decision (三重一大集体决策), pure (no Django): what a matter needs before it may
be tabled, when a meeting may decide it, who may state a position when, and what a vote decided.

Sources, checked against ../shared/data/laws:
- 重大行政决策程序暂行条例 (2019): 公众参与 with a public comment period "一般不少于30日" (art. 15 para. 1;
  a shorter one is explained when it opens); 专家论证 (art. 19); 风险评估 (art. 22); 合法性审查 before the
  meeting (art. 25) with "一般不少于7个工作日" for it (art. 26 para. 2); 集体讨论: "会议组成人员应当充分发表
  意见，行政首长最后发表意见" and dissent recorded (art. 30 paras. 2–3).
- The 三重一大 rules of the Party (中办发〔2010〕17号, not in the corpus) and each unit's own 议事规则: quorum
  and vote thresholds are the unit's data (`Ratio`), with these defaults: personnel matters need two
  thirds of the members present, others more than half; a matter passes with more than half of the
  members entitled to vote (应到), not of those present (实到).

A member with a declared interest in a topic is recused (回避): neither counted as entitled nor present
for it, and refused a statement or a vote on it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Category(StrEnum):
    """The four kinds of 三重一大 matter."""

    DECISION = "decision"  # 重大决策
    PERSONNEL = "personnel"  # 重要人事任免
    PROJECT = "project"  # 重大项目安排
    FUNDS = "funds"  # 大额度资金使用


CATEGORY_NAMES = {
    Category.DECISION: "重大决策",
    Category.PERSONNEL: "重要人事任免",
    Category.PROJECT: "重大项目安排",
    Category.FUNDS: "大额度资金使用",
}


class PreStep(StrEnum):
    """A step a topic passes before it may be tabled (决策前置程序)."""

    PUBLIC_COMMENT = "public_comment"  # 公众参与（公开征求意见）, 条例 arts. 14–15
    EXPERT = "expert"  # 专家论证, art. 19
    RISK = "risk"  # 风险评估, art. 22
    LEGALITY = "legality"  # 合法性审查, arts. 25–26
    INQUIRY = "inquiry"  # 考察、征求纪检意见 (personnel: the unit's own rule)


PRE_STEP_NAMES = {
    PreStep.PUBLIC_COMMENT: "公众参与（公开征求意见）",
    PreStep.EXPERT: "专家论证",
    PreStep.RISK: "风险评估",
    PreStep.LEGALITY: "合法性审查",
    PreStep.INQUIRY: "考察及征求纪检监察意见",
}

PUBLIC_COMMENT_DAYS = 30  # 条例 art. 15 para. 1: 一般不少于30日
LEGALITY_WORKING_DAYS = 7  # 条例 art. 26 para. 2: 一般不少于7个工作日


class Choice(StrEnum):
    AGREE = "agree"  # 同意
    DISAGREE = "disagree"  # 不同意
    DEFER = "defer"  # 缓议


CHOICE_NAMES = {Choice.AGREE: "同意", Choice.DISAGREE: "不同意", Choice.DEFER: "缓议"}


class VoteBase(StrEnum):
    ENTITLED = "entitled"  # 应到: every member not recused
    PRESENT = "present"  # 实到: the members present and not recused


class Outcome(StrEnum):
    PASSED = "passed"  # 通过
    REJECTED = "rejected"  # 未通过
    DEFERRED = "deferred"  # 缓议


OUTCOME_NAMES = {Outcome.PASSED: "通过", Outcome.REJECTED: "未通过", Outcome.DEFERRED: "缓议"}


@dataclass(frozen=True)
class Ratio:
    """A share a count must reach of a total: more than num/den when `strict`, else at least num/den."""

    num: int
    den: int
    strict: bool

    def met(self, count: int, total: int) -> bool:
        if total <= 0:
            return False
        return count * self.den > self.num * total if self.strict else count * self.den >= self.num * total

    def __str__(self) -> str:
        share = "半数" if (self.num, self.den) == (1, 2) else f"{_chinese_fraction(self.num, self.den)}"
        return ("超过" if self.strict else "不少于") + share


def _chinese_fraction(num: int, den: int) -> str:
    digits = "零一二三四五六七八九十"
    if 0 < num <= 10 and 0 < den <= 10:
        return f"{digits[den]}分之{digits[num]}"
    return f"{num}/{den}"


HALF = Ratio(1, 2, strict=True)
TWO_THIRDS = Ratio(2, 3, strict=False)


def default_quorum(category: Category) -> Ratio:
    """Personnel matters: at least two thirds present; the others: more than half."""
    return TWO_THIRDS if category is Category.PERSONNEL else HALF


@dataclass(frozen=True)
class Problem:
    code: str
    message: str  # Chinese, as shown
    message_en: str


# -- before the meeting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepDone:
    """A pre-decision step as the topic records it. `days` is its length in the unit that its rule
    counts (natural days for public comment, working days for the legality review)."""

    kind: PreStep
    started: date
    ended: date | None
    days: int
    shortened_because: str = ""  # why a period was shorter than the usual one


def tabling_problems(required: Collection[PreStep], done: Sequence[StepDone]) -> list[Problem]:
    """Why a topic may not be put on an agenda yet: a required step not done or not finished, or a
    period shorter than the law's usual one without a stated reason (条例 arts. 15, 26)."""
    problems: list[Problem] = []
    by_kind = {step.kind: step for step in done}
    # A public comment or a legality review held is held to its period even where the type does not
    # require it (条例 art. 15: "向社会公开征求意见的"); a finished one, that is.
    checked = set(required) | {kind for kind, step in by_kind.items() if step.ended is not None}
    for kind in sorted(checked, key=list(PreStep).index):
        step = by_kind.get(kind)
        name = PRE_STEP_NAMES[kind]
        if step is None or step.ended is None:
            problems.append(
                Problem(
                    "pre_step_missing",
                    f"议题尚未完成“{name}”，不能列入会议议程",
                    f"the topic has not completed {kind.value}",
                )
            )
            continue
        if (
            kind is PreStep.PUBLIC_COMMENT
            and step.days < PUBLIC_COMMENT_DAYS
            and not step.shortened_because.strip()
        ):
            problems.append(
                Problem(
                    "public_comment_too_short",
                    f"公开征求意见只有{step.days}日，少于30日且未说明理由（重大行政决策程序暂行条例第十五条第一款）",
                    f"the public comment period lasted {step.days} days, under 30, with no reason given (art. 15)",
                )
            )
        if (
            kind is PreStep.LEGALITY
            and step.days < LEGALITY_WORKING_DAYS
            and not step.shortened_because.strip()
        ):
            problems.append(
                Problem(
                    "legality_review_too_short",
                    f"合法性审查只有{step.days}个工作日：依重大行政决策程序暂行条例第二十六条第二款一般不少于7个工作日，缩短的须说明理由",
                    f"the legality review lasted {step.days} working days, under 7, with no reason given (art. 26)",
                )
            )
    return problems


# -- in the meeting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seat:
    """A member of the deciding body at this meeting, for one topic."""

    person: str
    principal: bool  # 一把手 (行政首长): states last
    present: bool
    recused: bool = False


def entitled(seats: Sequence[Seat]) -> list[Seat]:
    return [seat for seat in seats if not seat.recused]


def attending(seats: Sequence[Seat]) -> list[Seat]:
    return [seat for seat in seats if seat.present and not seat.recused]


def quorum_problem(seats: Sequence[Seat], rule: Ratio) -> Problem | None:
    """None when enough members are present for this topic (recused members count for neither side)."""
    total, here = len(entitled(seats)), len(attending(seats))
    if rule.met(here, total):
        return None
    return Problem(
        "no_quorum",
        f"到会可参加本议题的成员{here}人，应到{total}人，未达到{rule}的要求，不能讨论决定本议题",
        f"{here} of {total} members present: the quorum ({rule.num}/{rule.den}) is not met",
    )


def statement_problem(seats: Sequence[Seat], stated: Collection[str], person: str) -> Problem | None:
    """Why `person` may not state a position on the topic now, or None. Every present member states
    once; the principal states last (末位表态, 条例 art. 30 para. 2)."""
    seat = next((s for s in seats if s.person == person), None)
    if seat is None:
        return Problem(
            "not_a_member", "不是本次会议的组成人员，不能发表表态意见", "not a member of this meeting"
        )
    if seat.recused:
        return Problem("recused", "已申请回避本议题，不能发表表态意见", "recused from this topic")
    if not seat.present:
        return Problem("absent", "未签到出席，书面意见另行记录，不能当场表态", "not signed in")
    if person in stated:
        return Problem(
            "already_stated", "已发表表态意见，不能更改或重复发表", "has already stated a position"
        )
    if seat.principal:
        waiting = [s.person for s in attending(seats) if not s.principal and s.person not in stated]
        if waiting:
            return Problem(
                "principal_not_last",
                f"主要负责人应当最后表态：还有{len(waiting)}名成员未发表意见（末位表态；重大行政决策程序暂行条例第三十条第二款）",
                f"the principal states last: {len(waiting)} members have not stated yet (art. 30 para. 2)",
            )
    elif any(s.principal and s.person in stated for s in seats):
        return Problem(
            "after_principal",
            "主要负责人已末位表态，表态已结束",
            "the principal has stated: statements are closed",
        )
    return None


def statements_complete(seats: Sequence[Seat], stated: Collection[str]) -> bool:
    return all(seat.person in stated for seat in attending(seats))


def ballot_problem(
    seats: Sequence[Seat], stated: Collection[str], voted: Collection[str], person: str
) -> Problem | None:
    """Why `person` may not vote on the topic now: only present, non-recused members, once each, and
    only after every present member has stated (the principal last)."""
    seat = next((s for s in seats if s.person == person), None)
    if seat is None:
        return Problem("not_a_member", "不是本次会议的组成人员，不能投票", "not a member of this meeting")
    if seat.recused:
        return Problem("recused", "已回避本议题，不能投票", "recused from this topic")
    if not seat.present:
        return Problem(
            "absent", "未出席会议，书面意见不计入表决票", "absent: a written opinion is not a vote"
        )
    if not statements_complete(seats, stated):
        return Problem("statements_open", "尚有成员未表态，表态结束后方可表决", "members are still to state")
    if person in voted:
        return Problem("already_voted", "已投票，不能重复投票或更改", "has already voted")
    return None


@dataclass(frozen=True)
class Tally:
    agree: int
    disagree: int
    defer: int
    base: int  # the count the threshold is taken of
    outcome: Outcome
    basis: str  # the rule, as shown


def tally(choices: Sequence[Choice], seats: Sequence[Seat], rule: Ratio, base: VoteBase) -> Tally:
    """The result, computed, never typed in: passed when the 同意 votes meet `rule` of the members
    entitled (应到) — or of those present, where the unit's rule says so. Otherwise 缓议 when more voted to
    defer than against, else not passed."""
    counts = {choice: sum(1 for c in choices if c is choice) for choice in Choice}
    total = len(entitled(seats)) if base is VoteBase.ENTITLED else len(attending(seats))
    if rule.met(counts[Choice.AGREE], total):
        outcome = Outcome.PASSED
    elif counts[Choice.DEFER] > counts[Choice.DISAGREE]:
        outcome = Outcome.DEFERRED
    else:
        outcome = Outcome.REJECTED
    who = "应到" if base is VoteBase.ENTITLED else "实到"
    return Tally(
        agree=counts[Choice.AGREE],
        disagree=counts[Choice.DISAGREE],
        defer=counts[Choice.DEFER],
        base=total,
        outcome=outcome,
        basis=f"同意票{rule}{who}人数（{who}{total}人）",
    )


def principal_dissents(statements: Mapping[str, Choice], seats: Sequence[Seat]) -> bool:
    """The principal's position differs from the majority of the others' (条例 art. 30 para. 2: the
    head then explains why in the meeting)."""
    principal = next((s.person for s in seats if s.principal), None)
    if principal is None or principal not in statements:
        return False
    others = [choice for person, choice in statements.items() if person != principal]
    if not others:
        return False
    majority = max(Choice, key=lambda choice: others.count(choice))
    return others.count(majority) * 2 > len(others) and statements[principal] is not majority
