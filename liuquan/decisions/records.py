"""Matching what actually happened (payments and appointments) against the decision register, pure (no
Django): the rules 纪检 holds a unit's money and appointments to.

Payments (支出凭证/国库支付 lines)
- The threshold that applies to a payment is the lowest threshold of the FUNDS matters (大额度资金使用)
  of the unit's catalogue in force on the payment's date, and of its PROJECT matters (重大项目安排) too
  when the payment carries a project code. A unit with no catalogue in force that day, or none with a
  threshold, holds no payment to a decision.
- A payment at or above that threshold needs a decision: one of the same unit, PASSED, decided on or
  before the payment's date, of a category whose threshold the payment reaches, and whose topic amount,
  where the topic states one, is at least the payment.
- A payment that cites a decision number is held to that decision alone: a cited number that is not in
  the register at all is a matter decided outside a meeting (`decision_by_one`); a cited decision that
  fails any condition above is spending without a decision (`undecided_major_spending`), with the
  condition it fails.
- A payment that cites nothing matches a decision when exactly one decision meeting the conditions
  above names, in its topic's title, the payment's project code (when it has one) or its payee. None:
  spending without a decision. Several: also spending without a decision, since nobody can say which
  decision the money went under; the voucher should cite its number.

Appointments (任免)
- Every appointment needs a PASSED PERSONNEL decision (重要人事任免) of the same unit decided on or before
  the appointment's date: the one it cites (an unknown number: `decision_by_one`, as for payments), or,
  citing none, exactly one such decision whose topic's title names the person.

Split payments (`split_below_threshold`)
- Payments of one unit to one payee for one purpose (both compared with their whitespace removed and
  their width folded), none of which needs a decision by itself and none of which cites or matches one,
  whose dates lie within a window (default 30 days) and whose total reaches the threshold in force on
  the first one's date. Read greedily from the earliest: a cluster is reported with its first voucher as
  its identity, and reading goes on after its last payment, so a payment is in one cluster at most.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from liuquan.decisions.rules import CATEGORY_NAMES, Category, Outcome

SPLIT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class MatterLimit:
    """A catalogue matter as the matching needs it: its category and threshold (yuan)."""

    category: Category
    threshold: Decimal | None


@dataclass(frozen=True)
class DecisionFacts:
    """A decision of the register as the matching needs it."""

    number: str
    unit: int
    category: Category
    outcome: Outcome
    decided_on: date  # the local day of the decision
    amount: Decimal | None  # the topic's amount, where it states one
    title: str  # the topic's title


@dataclass(frozen=True)
class PaymentFacts:
    key: int | str  # the payment's identity (its row id)
    unit: int
    voucher: str
    paid_on: date
    payee: str
    amount: Decimal
    purpose: str
    project: str = ""
    cites: str = ""


@dataclass(frozen=True)
class AppointmentFacts:
    key: int | str
    unit: int
    person: str
    post: str
    appointed_on: date
    document: str
    cites: str = ""


class Fault(StrEnum):
    UNDECIDED = "undecided"  # needs a decision and has none
    UNKNOWN_NUMBER = "unknown_number"  # cites a number the register does not hold


@dataclass(frozen=True)
class Verdict:
    """What the matching found: a decision (`number`, and how: "cited" or "matched"), else a fault."""

    number: str = ""
    how: str = ""
    fault: Fault | None = None
    reason: str = ""  # Chinese, as shown
    reason_en: str = ""

    @property
    def ok(self) -> bool:
        return self.fault is None


NOT_NEEDED = Verdict(how="not_needed")


def fold(text: str) -> str:
    """Text compared as people mean it: full-width folded (NFKC), no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def yuan(amount: Decimal) -> str:
    """An amount as shown: 万元 from ten thousand up, else 元."""
    if amount >= 10000:
        return f"{(amount / 10000).normalize():f}万元"
    return f"{amount.quantize(Decimal('0.01')):f}元"


def threshold(matters: Iterable[MatterLimit], *, project: bool) -> Decimal | None:
    """The lowest amount from which a payment needs a decision: FUNDS matters, and PROJECT matters when
    the payment has a project code. None: no payment needs one."""
    wanted = {Category.FUNDS, Category.PROJECT} if project else {Category.FUNDS}
    found = [m.threshold for m in matters if m.category in wanted and m.threshold is not None]
    return min(found) if found else None


def categories_reached(matters: Iterable[MatterLimit], amount: Decimal, *, project: bool) -> set[Category]:
    """The categories whose threshold `amount` reaches: a decision of any of them covers the payment."""
    wanted = {Category.FUNDS, Category.PROJECT} if project else {Category.FUNDS}
    return {
        m.category
        for m in matters
        if m.category in wanted and m.threshold is not None and amount >= m.threshold
    }


def _payment_problem(payment: PaymentFacts, decision: DecisionFacts, categories: set[Category]) -> str:
    """Why `decision` does not cover `payment` ("" when it does), in Chinese."""
    if decision.unit != payment.unit:
        return f"决策 {decision.number} 不是本单位的决策"
    if decision.outcome is not Outcome.PASSED:
        return f"决策 {decision.number} 未获通过"
    if decision.decided_on > payment.paid_on:
        return f"决策 {decision.number} 作出于 {decision.decided_on}，晚于支付日期 {payment.paid_on}"
    if decision.category not in categories:
        wanted = "或".join(CATEGORY_NAMES[c] for c in sorted(categories, key=list(Category).index))
        return f"决策 {decision.number} 属于{CATEGORY_NAMES[decision.category]}，本笔支付须经{wanted}决策"
    if decision.amount is not None and decision.amount < payment.amount:
        return (
            f"决策 {decision.number} 决定的金额 {yuan(decision.amount)} 少于本笔支付 {yuan(payment.amount)}"
        )
    return ""


def match_payment(
    payment: PaymentFacts,
    matters: Sequence[MatterLimit],
    register: Mapping[str, DecisionFacts],
    candidates: Iterable[DecisionFacts] = (),
) -> Verdict:
    """The payment against the catalogue in force on its day (`matters`), the register by number and
    the unit's decisions it might match (`candidates`): see the module's rules."""
    project = bool(payment.project.strip())
    limit = threshold(matters, project=project)
    if limit is None or payment.amount < limit:
        return NOT_NEEDED
    categories = categories_reached(matters, payment.amount, project=project)
    shown = f"凭证 {payment.voucher}（{payment.paid_on}，{yuan(payment.amount)}）"
    cited = payment.cites.strip()
    if cited:
        decision = register.get(cited)
        if decision is None:
            return Verdict(
                fault=Fault.UNKNOWN_NUMBER,
                reason=f"{shown}注明的决策编号 {cited} 不在决策登记簿中：该事项未见集体决策记录",
                reason_en=f"voucher {payment.voucher} cites {cited}, which is not in the register",
            )
        problem = _payment_problem(payment, decision, categories)
        if problem:
            return Verdict(
                fault=Fault.UNDECIDED,
                reason=f"{shown}达到{yuan(limit)}的集体决策标准，{problem}",
                reason_en=f"voucher {payment.voucher} cites {cited}, which does not cover it",
            )
        return Verdict(number=cited, how="cited")
    hints = [fold(text) for text in (payment.project, payment.payee) if fold(text)]
    found = [
        decision
        for decision in candidates
        if not _payment_problem(payment, decision, categories)
        and any(hint in fold(decision.title) for hint in hints)
    ]
    if len(found) == 1:
        return Verdict(number=found[0].number, how="matched")
    if found:
        return Verdict(
            fault=Fault.UNDECIDED,
            reason=f"{shown}达到{yuan(limit)}的集体决策标准，未注明决策编号，且可对应{len(found)}项决策，无法确定",
            reason_en=f"voucher {payment.voucher} cites no decision and matches {len(found)}",
        )
    return Verdict(
        fault=Fault.UNDECIDED,
        reason=f"{shown}达到{yuan(limit)}的集体决策标准，未注明决策编号，也未找到对应的集体决策",
        reason_en=f"voucher {payment.voucher} reaches the threshold {limit} and has no decision",
    )


def _appointment_problem(appointment: AppointmentFacts, decision: DecisionFacts) -> str:
    if decision.unit != appointment.unit:
        return f"决策 {decision.number} 不是本单位的决策"
    if decision.outcome is not Outcome.PASSED:
        return f"决策 {decision.number} 未获通过"
    if decision.category is not Category.PERSONNEL:
        return f"决策 {decision.number} 属于{CATEGORY_NAMES[decision.category]}，不是人事任免决策"
    if decision.decided_on > appointment.appointed_on:
        return f"决策 {decision.number} 作出于 {decision.decided_on}，晚于任免日期 {appointment.appointed_on}"
    return ""


def match_appointment(
    appointment: AppointmentFacts,
    register: Mapping[str, DecisionFacts],
    candidates: Iterable[DecisionFacts] = (),
) -> Verdict:
    """The appointment against the register: see the module's rules."""
    shown = f"任免文号 {appointment.document}（{appointment.post}，{appointment.appointed_on}）"
    cited = appointment.cites.strip()
    if cited:
        decision = register.get(cited)
        if decision is None:
            return Verdict(
                fault=Fault.UNKNOWN_NUMBER,
                reason=f"{shown}注明的决策编号 {cited} 不在决策登记簿中：该任免未见集体决策记录",
                reason_en=f"appointment {appointment.document} cites {cited}, which is not in the register",
            )
        problem = _appointment_problem(appointment, decision)
        if problem:
            return Verdict(
                fault=Fault.UNDECIDED,
                reason=f"{shown}：{problem}",
                reason_en=f"appointment {appointment.document} cites {cited}, which does not cover it",
            )
        return Verdict(number=cited, how="cited")
    name = fold(appointment.person)
    found = [
        decision
        for decision in candidates
        if name and not _appointment_problem(appointment, decision) and name in fold(decision.title)
    ]
    if len(found) == 1:
        return Verdict(number=found[0].number, how="matched")
    why = f"可对应{len(found)}项决策，无法确定" if found else "也未找到对应的人事任免集体决策"
    return Verdict(
        fault=Fault.UNDECIDED,
        reason=f"{shown}未注明决策编号，{why}",
        reason_en=f"appointment {appointment.document} has no personnel decision",
    )


@dataclass(frozen=True)
class Split:
    """Payments to one payee for one purpose within the window, each under the threshold, together at
    or above it."""

    payments: tuple[PaymentFacts, ...]
    total: Decimal
    threshold: Decimal

    @property
    def first(self) -> PaymentFacts:
        return self.payments[0]


def splits(
    payments: Iterable[PaymentFacts],
    limit_on: Callable[[int, date, bool], Decimal | None],
    *,
    window_days: int = SPLIT_WINDOW_DAYS,
) -> list[Split]:
    """Clusters of split payments (see the module's rules). `payments` are those that need no decision
    by themselves and are covered by none; `limit_on(unit, day, has a project code)` is the threshold in
    force for the unit that day (None: none)."""
    groups: dict[tuple[int, str, str], list[PaymentFacts]] = defaultdict(list)
    for payment in payments:
        groups[(payment.unit, fold(payment.payee), fold(payment.purpose))].append(payment)
    found: list[Split] = []
    window = timedelta(days=window_days)
    for (unit, _payee, _purpose), rows in sorted(groups.items(), key=lambda item: item[0]):
        rows.sort(key=lambda p: (p.paid_on, p.voucher))
        start = 0
        while start < len(rows):
            first = rows[start]
            limit = limit_on(unit, first.paid_on, bool(first.project.strip()))
            inside = [
                row
                for row in rows[start:]
                if row.paid_on - first.paid_on < window and limit is not None and row.amount < limit
            ]
            total = sum((row.amount for row in inside), Decimal(0))
            if limit is not None and len(inside) >= 2 and total >= limit:
                found.append(Split(tuple(inside), total, limit))
                last = rows.index(inside[-1])
                start = last + 1
            else:
                start += 1
    return found
