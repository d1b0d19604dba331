"""Pure rules of the organisation (no Django imports): 五个不直接分管.

The 一把手 (principal) of a unit does not directly oversee 人事, 财务, 物资 (人财物), 工程建设,
政府采购 or 产权交易, nor any further area the unit adds; 副职分管、正职监督、集体领导、民主决策.
Source: 晋中市“六权治本”“一把手”“五个不直接分管”制度 (seed report, 2015), 中共中央《关于加强对“一把手”和
领导班子监督的意见》(2021) 第三条.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

RULE_NAME = "five_not_directly_oversee"

STANDARD_RESTRICTED_AREAS: tuple[str, ...] = ("人事", "财务", "物资", "工程建设", "政府采购", "产权交易")

# Words that name a restricted area inside a longer description of work ("人事教育科", "基建项目").
# Narrow on purpose: "预算" or "人力资源" are the business of 财政局 and 人社局, not their own 人财物.
AREA_KEYWORDS: dict[str, tuple[str, ...]] = {
    "人事": ("人事", "干部任免", "干部管理", "干部选拔", "组织人事"),
    "财务": ("财务", "财会", "会计", "经费"),
    "物资": ("物资", "资产管理", "后勤保障"),
    "工程建设": ("工程建设", "工程项目", "基建", "基本建设"),
    "政府采购": ("政府采购", "采购"),
    "产权交易": ("产权交易", "产权"),
}


def normalize_area(area: str) -> str:
    """Fold full-width forms and drop white space, so "财 务" and "财务" are the same area."""
    folded = unicodedata.normalize("NFKC", area)
    return "".join(folded.split())


def restricted_area_of(area: str, extra_areas: Iterable[str] = ()) -> str | None:
    """The restricted area that `area` falls under, or None. Unit-added areas match by containment."""
    text = normalize_area(area)
    for restricted, keywords in AREA_KEYWORDS.items():
        if any(keyword in text for keyword in keywords):
            return restricted
    for extra in extra_areas:
        key = normalize_area(extra)
        if key and key in text:
            return key
    return None


@dataclass(frozen=True)
class OversightVerdict:
    """Outcome of the 五个不直接分管 check for one proposed assignment."""

    allowed: bool
    restricted_area: str | None  # the restricted area the assignment touches, if any
    is_exception: bool  # allowed only because a written exception reason was given


def check_oversight(
    *, is_principal: bool, area: str, extra_areas: Iterable[str] = (), exception_reason: str = ""
) -> OversightVerdict:
    """Decide whether a leader may be assigned to oversee `area`.

    Deputies may oversee any area. The principal may not oversee a restricted area unless the
    assignment is recorded as an exception with a non-blank written reason.
    """
    restricted = restricted_area_of(area, extra_areas)
    if not is_principal or restricted is None:
        return OversightVerdict(allowed=True, restricted_area=restricted, is_exception=False)
    if exception_reason.strip():
        return OversightVerdict(allowed=True, restricted_area=restricted, is_exception=True)
    return OversightVerdict(allowed=False, restricted_area=restricted, is_exception=False)
