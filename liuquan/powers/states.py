"""The review of a unit's list edition (清单编制/审核) and the dispositions of its items (pure; no Django).

    编制 draft ──submit──▶ 一审 first_review ──pass──▶ 二审 second_review ──confirm──▶ 确认 confirmed
        ▲                       │ return                   │ return                        │ publish
        └───────────────────────┴──────────────────────────┘                               ▼
                                                                                   公布 published
A unit prepares and submits its list; only the reform office (改革办) reviews, returns, confirms and
publishes. A published edition is final: changes make a new edition.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class EditionStatus(StrEnum):
    DRAFT = "draft"  # 编制: the unit compiles its list
    FIRST_REVIEW = "first_review"  # 一审
    SECOND_REVIEW = "second_review"  # 二审
    CONFIRMED = "confirmed"  # 确认: the reform office has decided every item
    PUBLISHED = "published"  # 公布: in force; cases may use its kept items


STATUS_NAMES: dict[EditionStatus, str] = {
    EditionStatus.DRAFT: "编制",
    EditionStatus.FIRST_REVIEW: "一审",
    EditionStatus.SECOND_REVIEW: "二审",
    EditionStatus.CONFIRMED: "确认",
    EditionStatus.PUBLISHED: "公布",
}


class Move(StrEnum):
    SUBMIT = "submit"
    PASS_FIRST = "pass_first"
    CONFIRM = "confirm"
    PUBLISH = "publish"
    RETURN = "return"


# (from, move) -> to, and who may make the move: "unit" (the unit's own staff) or "reform_office".
TRANSITIONS: dict[tuple[EditionStatus, Move], tuple[EditionStatus, str]] = {
    (EditionStatus.DRAFT, Move.SUBMIT): (EditionStatus.FIRST_REVIEW, "unit"),
    (EditionStatus.FIRST_REVIEW, Move.PASS_FIRST): (EditionStatus.SECOND_REVIEW, "reform_office"),
    (EditionStatus.FIRST_REVIEW, Move.RETURN): (EditionStatus.DRAFT, "reform_office"),
    (EditionStatus.SECOND_REVIEW, Move.CONFIRM): (EditionStatus.CONFIRMED, "reform_office"),
    (EditionStatus.SECOND_REVIEW, Move.RETURN): (EditionStatus.DRAFT, "reform_office"),
    (EditionStatus.CONFIRMED, Move.PUBLISH): (EditionStatus.PUBLISHED, "reform_office"),
}

# Statuses in which the unit may still edit items, and in which reviewers decide dispositions.
EDITABLE = frozenset({EditionStatus.DRAFT})
REVIEWING = frozenset({EditionStatus.FIRST_REVIEW, EditionStatus.SECOND_REVIEW})


def next_status(status: EditionStatus, move: Move) -> tuple[EditionStatus, str] | None:
    """The status a move leads to and the party allowed to make it, or None if the move is not allowed."""
    return TRANSITIONS.get((status, move))


def allowed_moves(status: EditionStatus) -> list[Move]:
    return [move for (source, move) in TRANSITIONS if source == status]


class DispositionKind(StrEnum):
    KEEP = "keep"  # 保留
    DELEGATE = "delegate"  # 下放 to a lower level
    MERGE = "merge"  # 合并 into another item
    CANCEL = "cancel"  # 取消
    TRANSFER = "transfer"  # 划转 to another unit
    INTERNAL = "internal"  # 转内部事项 (a matter inside or between departments)
    RECLASSIFY = "reclassify"  # 变更类别
    NO_SUBITEMS = "no_subitems"  # 不再分列子项
    WITHDRAW = "withdraw"  # 撤下, with a cause


DISPOSITION_NAMES: dict[DispositionKind, str] = {
    DispositionKind.KEEP: "保留",
    DispositionKind.DELEGATE: "下放",
    DispositionKind.MERGE: "合并",
    DispositionKind.CANCEL: "取消",
    DispositionKind.TRANSFER: "划转",
    DispositionKind.INTERNAL: "转内部事项",
    DispositionKind.RECLASSIFY: "变更类别",
    DispositionKind.NO_SUBITEMS: "不再分列子项",
    DispositionKind.WITHDRAW: "撤下",
}


class WithdrawCause(StrEnum):
    NO_LEGAL_BASIS = "no_legal_basis"  # 无上位法依据
    NOT_ADMINISTRATIVE_POWER = "not_administrative_power"  # 不属于行政权力
    SERVICE_FEE = "service_fee"  # 服务性收费


WITHDRAW_NAMES: dict[str, str] = {
    WithdrawCause.NO_LEGAL_BASIS: "无上位法依据",
    WithdrawCause.NOT_ADMINISTRATIVE_POWER: "不属于行政权力",
    WithdrawCause.SERVICE_FEE: "服务性收费",
}


# Dispositions after which the item stays in the unit's published list (possibly changed).
KEEPS_ITEM = frozenset({DispositionKind.KEEP, DispositionKind.RECLASSIFY, DispositionKind.NO_SUBITEMS})

# What each disposition must name, beyond its written reason.
REQUIRED_TARGET: dict[DispositionKind, str] = {
    DispositionKind.DELEGATE: "target_level",
    DispositionKind.MERGE: "target_code",
    DispositionKind.TRANSFER: "target_unit",
    DispositionKind.RECLASSIFY: "new_category",
    DispositionKind.WITHDRAW: "withdraw_cause",
}


def missing_target(kind: DispositionKind, targets: Mapping[str, object]) -> str | None:
    """The field a disposition of `kind` lacks, or None when it is complete."""
    field = REQUIRED_TARGET.get(kind)
    if field is not None and not targets.get(field):
        return field
    return None
