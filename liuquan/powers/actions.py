"""Actions on power lists: editions, items, the review moves and the reform office's dispositions."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from liuquan.core.actions import ActRecorder, action
from liuquan.core.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from liuquan.org import queries as org_queries
from liuquan.org.models import Person, Role, Unit
from liuquan.powers import search, states
from liuquan.powers.models import (
    BasisCitation,
    Disposition,
    ListEdition,
    PowerCategory,
    PowerItem,
    Responsibility,
    ReviewComment,
)
from liuquan.powers.states import DispositionKind, EditionStatus, Move

UNIT_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.HEAD})
OFFICE_ROLES = frozenset({Role.REFORM_OFFICE})


@dataclass
class ResponsibilityInput:
    content: str
    stage: str = ""
    basis: str = ""
    accountable: str = ""
    accountability_cases: str = ""
    supervising_body: str = ""
    supervising_phone: str = ""


@dataclass
class ItemInput:
    """One power item as a unit reports it (from a form, the API or an imported workbook row)."""

    code: str
    name: str
    category: str
    parent_code: str | None = None
    subject: str = ""
    handling_unit: str = ""
    level: str = ""
    basis: str = ""
    duty: str = ""
    note: str = ""
    source: str = ""
    responsibilities: list[ResponsibilityInput] = field(default_factory=list)


# Who may act -----------------------------------------------------------------------------------------


def is_reform_office(person: Person, unit: Unit) -> bool:
    return person.is_active and (
        person.is_superuser or org_queries.scope_of(person, OFFICE_ROLES).covers(unit)
    )


def may_compile(person: Person, unit: Unit) -> bool:
    """The unit's own staff compile its list; the reform office may too (it often types it up)."""
    return is_reform_office(person, unit) or org_queries.scope_of(person, UNIT_ROLES).covers(unit)


def check_may_compile(actor: Person, unit: Unit) -> None:
    if not may_compile(actor, unit):
        raise Forbidden(
            f"无权编制{unit.name}的权责清单", message_en=f"You may not compile the list of {unit.name}"
        )


def _require_office(actor: Person, unit: Unit, what: str, what_en: str) -> None:
    if not is_reform_office(actor, unit):
        raise Forbidden(
            f"只有改革办可以{what}", message_en=f"Only the reform office may {what_en}", unit=unit.code
        )


def _require_status(edition: ListEdition, allowed: frozenset[EditionStatus], doing: str) -> None:
    if EditionStatus(edition.status) not in allowed:
        raise Conflict(
            f"{edition}当前为“{STATUS_NAMES[EditionStatus(edition.status)]}”，不能{doing}",
            message_en=f"{edition} is {edition.status}; cannot {doing}",
            status=edition.status,
        )


STATUS_NAMES = states.STATUS_NAMES


# Editions --------------------------------------------------------------------------------------------


def do_create_edition(*, actor: Person, unit: Unit) -> ListEdition:
    """Open the unit's next edition, starting from what its latest published edition kept."""
    check_may_compile(actor, unit)
    open_edition = ListEdition.objects.filter(unit=unit).exclude(status=EditionStatus.PUBLISHED).first()
    if open_edition is not None:
        raise Conflict(
            f"{unit.name}已有未公布的{open_edition}",
            message_en=f"{unit.name} has an unpublished edition",
            edition=open_edition.number,
        )
    with action("powers.create_edition", actor=actor) as act:
        edition = new_edition(act, unit)
    return edition


def new_edition(act: ActRecorder, unit: Unit) -> ListEdition:
    """Inside an action: the unit's next edition, carrying over what its latest published one kept."""
    based_on = (
        ListEdition.objects.filter(unit=unit, status=EditionStatus.PUBLISHED).order_by("-number").first()
    )
    number = (ListEdition.objects.filter(unit=unit).aggregate(last=Max("number"))["last"] or 0) + 1
    edition = ListEdition.objects.create(
        unit=unit, number=number, based_on=based_on, created_at=timezone.now()
    )
    act.record(edition)
    if based_on is not None:
        _carry_over(act, based_on, edition)
    return edition


def _carry_over(act: ActRecorder, source: ListEdition, target: ListEdition) -> None:
    """Copy the items a published edition kept (with their category changes) into a new draft."""
    kept = (
        PowerItem.objects.filter(edition=source, disposition__kind__in=list(states.KEEPS_ITEM))
        .select_related("disposition", "parent__disposition")
        .prefetch_related("responsibilities")
        .order_by("parent_id", "code")
    )
    copies: dict[str, PowerItem] = {}
    for item in sorted(kept, key=lambda row: row.parent_id is not None):
        if item.parent is not None and item.parent.disposition.kind == DispositionKind.NO_SUBITEMS:
            continue
        disposition = item.disposition
        category = (
            disposition.new_category if disposition.kind == DispositionKind.RECLASSIFY else item.category
        )
        copy = PowerItem.objects.create(
            edition=target,
            code=item.code,
            name=item.name,
            category=category,
            parent=copies.get(item.parent.code) if item.parent else None,
            subject=item.subject,
            handling_unit=item.handling_unit,
            level=item.level,
            basis=item.basis,
            duty=item.duty,
            note=item.note,
            source=f"第{source.number}版",
        )
        copies[copy.code] = copy
        act.record(copy)
        for duty in item.responsibilities.all():
            duty.pk = None
            duty.item = copy
            duty.save()
            act.record(duty)


# Items -----------------------------------------------------------------------------------------------


def check_item(*, edition: ListEdition, data: ItemInput, replacing: PowerItem | None = None) -> None:
    code, name = data.code.strip(), data.name.strip()
    if not code:
        raise InvalidInput("事项编码不能为空", message_en="The item code is required", field="code")
    if not name:
        raise InvalidInput(
            "事项名称不能为空", message_en="The item name is required", field="name", code_value=code
        )
    if data.category not in PowerCategory.values:
        raise InvalidInput(
            f"权力类型“{data.category}”不在十类行政权力和公共服务之内",
            message_en=f"Unknown power category {data.category}",
            field="category",
            item=code,
        )
    others = PowerItem.objects.filter(edition=edition, code=code)
    if replacing is not None:
        others = others.exclude(pk=replacing.pk)
    if others.exists():
        raise Conflict(
            f"本版清单已有编码为 {code} 的事项",
            message_en=f"Code {code} is already in this edition",
            field="code",
        )
    if (
        data.parent_code
        and not PowerItem.objects.filter(edition=edition, code=data.parent_code, parent__isnull=True).exists()
    ):
        raise InvalidInput(
            f"主项 {data.parent_code} 不在本版清单中",
            message_en=f"Main item {data.parent_code} is not in this edition",
            field="parent_code",
            item=code,
        )
    for position, duty in enumerate(data.responsibilities, start=1):
        if not duty.content.strip():
            raise InvalidInput(
                f"第 {position} 项责任事项内容为空",
                message_en=f"Responsibility {position} is empty",
                field="responsibilities",
                item=code,
            )


def create_item(act: ActRecorder, edition: ListEdition, data: ItemInput) -> PowerItem:
    """Inside an action: one checked item with its responsibilities."""
    parent = PowerItem.objects.get(edition=edition, code=data.parent_code) if data.parent_code else None
    item = PowerItem.objects.create(
        edition=edition,
        code=data.code.strip(),
        name=data.name.strip(),
        category=data.category,
        parent=parent,
        subject=data.subject.strip(),
        handling_unit=data.handling_unit.strip(),
        level=data.level.strip(),
        basis=data.basis.strip(),
        duty=data.duty.strip(),
        note=data.note.strip(),
        source=data.source[:300],
    )
    act.record(item)
    for position, duty in enumerate(data.responsibilities, start=1):
        row = Responsibility.objects.create(
            item=item,
            position=position,
            stage=duty.stage.strip()[:40],
            content=duty.content.strip(),
            basis=duty.basis.strip(),
            accountable=duty.accountable.strip(),
            accountability_cases=duty.accountability_cases.strip(),
            supervising_body=duty.supervising_body.strip(),
            supervising_phone=duty.supervising_phone.strip(),
        )
        act.record(row)
    return item


def do_add_items(*, actor: Person, edition: ListEdition, items: list[ItemInput]) -> list[PowerItem]:
    """Add reported items to a draft edition, all or none (an imported workbook is one call)."""
    check_may_compile(actor, edition.unit)
    _require_status(edition, states.EDITABLE, "添加事项")
    codes = [data.code.strip() for data in items]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise Conflict(
            f"事项编码重复：{'、'.join(duplicates)}",
            message_en=f"Duplicate codes: {', '.join(duplicates)}",
            field="code",
            codes=duplicates,
        )
    main_items = [data for data in items if not data.parent_code]
    sub_items = [data for data in items if data.parent_code]
    new_main = {data.code.strip() for data in main_items}
    for data in main_items:
        check_item(edition=edition, data=data)
    for data in sub_items:
        if data.parent_code not in new_main:
            check_item(edition=edition, data=data)
        else:
            check_item(edition=edition, data=ItemInput(**{**data.__dict__, "parent_code": None}))
    with action("powers.add_items", actor=actor) as act:
        created = [create_item(act, edition, data) for data in main_items]
        created += [create_item(act, edition, data) for data in sub_items]
    return created


def do_remove_item(*, actor: Person, item: PowerItem) -> None:
    """Withdraw a reported item from a draft (before review; afterwards the reform office decides)."""
    check_may_compile(actor, item.edition.unit)
    _require_status(item.edition, states.EDITABLE, "删除事项")
    with action("powers.remove_item", actor=actor) as act:
        sub_items = list(item.sub_items.all())
        for duty in Responsibility.objects.filter(item__in=[item, *sub_items]):
            act.record_deletion(duty)
        for row in [*sub_items, item]:
            act.record_deletion(row)
        item.delete()


# Review -----------------------------------------------------------------------------------------------


def do_move_edition(*, actor: Person, edition: ListEdition, move: str, comment: str = "") -> ListEdition:
    """Move an edition through 编制 → 一审 → 二审 → 确认 → 公布 (or return it to 编制 with a comment)."""
    try:
        chosen = Move(move)
    except ValueError:
        raise InvalidInput(
            f"未知的审核操作 {move}", message_en=f"Unknown review move {move}", field="move"
        ) from None
    current = EditionStatus(edition.status)
    result = states.next_status(current, chosen)
    if result is None:
        raise Conflict(
            f"{edition}当前为“{STATUS_NAMES[current]}”，不能执行该操作",
            message_en=f"{edition} is {current}; {chosen} is not possible",
            status=current.value,
            move=chosen.value,
        )
    target, party = result
    if party == "unit":
        check_may_compile(actor, edition.unit)
    else:
        _require_office(actor, edition.unit, "审核、确认和公布清单", "review, confirm and publish lists")
    items = PowerItem.objects.filter(edition=edition)
    if chosen is Move.SUBMIT and not items.exists():
        raise RuleViolation(
            "清单没有任何事项，不能报审", message_en="An empty list cannot be submitted", code="empty_list"
        )
    if chosen is Move.RETURN and not comment.strip():
        raise InvalidInput("退回须写明审核意见", message_en="A return needs a comment", field="comment")
    if chosen is Move.CONFIRM:
        undecided = list(items.filter(disposition__isnull=True).values_list("code", flat=True)[:20])
        if undecided:
            raise RuleViolation(
                f"尚有事项未作处理意见：{'、'.join(undecided)}",
                message_en=f"Items without a disposition: {', '.join(undecided)}",
                code="undecided_items",
                items=undecided,
            )
    with action("powers.move_edition", actor=actor) as act:
        if comment.strip():
            note = ReviewComment.objects.create(
                edition=edition, round=current.value, author=actor, text=comment.strip(), at=timezone.now()
            )
            act.record(note)
        edition.status = target.value
        if target is EditionStatus.PUBLISHED:
            edition.published_at = timezone.now()
            search.index_edition(edition, kept_items(edition))
        edition.save(update_fields=["status", "published_at"])
        act.record(edition)
        if target is EditionStatus.PUBLISHED:
            _record_published(act, edition)
    return edition


def _record_published(act: ActRecorder, edition: ListEdition) -> None:
    """Publishing is when the edition's content becomes public: its items, responsibilities, citations
    and dispositions, sealed on the ledger while they were drafts, are recorded again in clear."""
    items = PowerItem.objects.filter(edition=edition).select_related("edition__unit", "parent")
    for item in items.order_by("code"):
        act.record(item)
    for model in (Responsibility, BasisCitation):
        rows = model.objects.filter(item__edition=edition).select_related("item__edition")
        for row in rows.order_by("item_id", "position"):  # not the default ordering's five-table join
            act.record(row)
    dispositions = Disposition.objects.filter(item__edition=edition).select_related(
        "item__edition", "target_unit"
    )
    for disposition in dispositions.order_by("item_id"):
        act.record(disposition)


def kept_items(edition: ListEdition) -> list[PowerItem]:
    return list(PowerItem.objects.filter(edition=edition, disposition__kind__in=list(states.KEEPS_ITEM)))


def do_decide_item(
    *,
    actor: Person,
    item: PowerItem,
    kind: str,
    reason: str,
    target_level: str = "",
    target_code: str = "",
    target_unit: Unit | None = None,
    new_category: str = "",
    withdraw_cause: str = "",
) -> Disposition:
    """The reform office's disposition of one reported item, with its reason (a later decision replaces it)."""
    edition = item.edition
    _require_office(actor, edition.unit, "作出处理意见", "decide dispositions")
    _require_status(edition, states.REVIEWING, "作出处理意见")
    try:
        chosen = DispositionKind(kind)
    except ValueError:
        raise InvalidInput(
            f"未知的处理意见 {kind}", message_en=f"Unknown disposition {kind}", field="kind"
        ) from None
    if not reason.strip():
        raise InvalidInput(
            "处理意见须写明理由", message_en="A disposition needs a written reason", field="reason"
        )
    targets = {
        "target_level": target_level.strip(),
        "target_code": target_code.strip(),
        "target_unit": target_unit,
        "new_category": new_category,
        "withdraw_cause": withdraw_cause,
    }
    missing = states.missing_target(chosen, targets)
    if missing:
        raise InvalidInput(
            f"“{chosen.value}”须指明 {missing}", message_en=f"{chosen.value} needs {missing}", field=missing
        )
    if chosen is DispositionKind.MERGE and (
        target_code.strip() == item.code
        or not PowerItem.objects.filter(edition=edition, code=target_code.strip()).exists()
    ):
        raise InvalidInput(
            f"合并目标 {target_code} 不是本版清单中的另一事项",
            message_en=f"Merge target {target_code} is not another item of this edition",
            field="target_code",
        )
    if chosen is DispositionKind.TRANSFER and target_unit is not None and target_unit.pk == edition.unit_id:
        raise InvalidInput(
            "划转目标不能是本单位", message_en="Cannot transfer to the same unit", field="target_unit"
        )
    if chosen is DispositionKind.RECLASSIFY and new_category not in PowerCategory.values:
        raise InvalidInput(
            f"权力类型 {new_category} 无效",
            message_en=f"Unknown category {new_category}",
            field="new_category",
        )
    if chosen is DispositionKind.RECLASSIFY and new_category == item.category:
        raise InvalidInput(
            "变更后的类别与原类别相同", message_en="The new category is the current one", field="new_category"
        )
    if chosen is DispositionKind.WITHDRAW and withdraw_cause not in {
        cause.value for cause in states.WithdrawCause
    }:
        raise InvalidInput(
            f"撤下原因 {withdraw_cause} 无效",
            message_en=f"Unknown cause {withdraw_cause}",
            field="withdraw_cause",
        )
    values = {
        "kind": chosen.value,
        "reason": reason.strip(),
        "target_level": targets["target_level"],
        "target_code": targets["target_code"],
        "target_unit": target_unit,
        "new_category": new_category if chosen is DispositionKind.RECLASSIFY else "",
        "withdraw_cause": withdraw_cause if chosen is DispositionKind.WITHDRAW else "",
        "round": edition.status,
        "decided_by": actor,
        "decided_at": timezone.now(),
    }
    with action("powers.decide_item", actor=actor) as act:
        disposition, _ = Disposition.objects.update_or_create(item=item, defaults=values)
        act.record(disposition)
    return disposition


def do_comment(
    *, actor: Person, edition: ListEdition, text: str, item: PowerItem | None = None
) -> ReviewComment:
    if not (is_reform_office(actor, edition.unit) or may_compile(actor, edition.unit)):
        raise Forbidden("无权对该清单发表审核意见", message_en="You may not comment on this list")
    if not text.strip():
        raise InvalidInput("意见不能为空", message_en="The comment is empty", field="text")
    with action("powers.comment", actor=actor) as act:
        comment = ReviewComment.objects.create(
            edition=edition,
            item=item,
            round=edition.status,
            author=actor,
            text=text.strip(),
            at=timezone.now(),
        )
        act.record(comment)
    return comment


def do_decide_remaining(*, actor: Person, edition: ListEdition, kind: str, reason: str) -> int:
    """Give every item still without a disposition the same disposition (typically 保留 after the
    reviewers have dealt with the exceptions one by one); one action. Returns how many were decided."""
    _require_office(actor, edition.unit, "作出处理意见", "decide dispositions")
    _require_status(edition, states.REVIEWING, "作出处理意见")
    if kind not in {DispositionKind.KEEP, DispositionKind.CANCEL, DispositionKind.INTERNAL}:
        raise InvalidInput(
            "批量处理只能是保留、取消或转内部事项",
            message_en="Bulk decisions are keep, cancel or internal",
            field="kind",
        )
    if not reason.strip():
        raise InvalidInput(
            "处理意见须写明理由", message_en="A disposition needs a written reason", field="reason"
        )
    remaining = list(PowerItem.objects.filter(edition=edition, disposition__isnull=True).order_by("code"))
    now = timezone.now()
    with action("powers.decide_remaining", actor=actor) as act:
        rows = Disposition.objects.bulk_create(
            [
                Disposition(
                    item=item,
                    kind=kind,
                    reason=reason.strip(),
                    round=edition.status,
                    decided_by=actor,
                    decided_at=now,
                )
                for item in remaining
            ]
        )
        for row, item in zip(rows, remaining, strict=True):
            row.item = item
            act.record(row)
        if not rows:
            act.record(edition)  # nothing left to decide; the attempt is still on the record
    return len(rows)
