"""五个不直接分管 as a pure rule: no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuquan.org.rules import STANDARD_RESTRICTED_AREAS, check_oversight, normalize_area, restricted_area_of


@pytest.mark.parametrize("area", STANDARD_RESTRICTED_AREAS)
def test_principal_may_not_oversee_each_standard_area(area):
    verdict = check_oversight(is_principal=True, area=area)
    assert not verdict.allowed
    assert verdict.restricted_area == area


@pytest.mark.parametrize(
    ("area", "restricted"),
    [
        ("财务科", "财务"),
        ("人事教育科", "人事"),
        ("基建项目", "工程建设"),
        ("政府采购中心", "政府采购"),
        ("机关后勤保障", "物资"),
        ("产权交易中心", "产权交易"),
        ("财 务", "财务"),
        ("ＰＰＰ项目采购", "政府采购"),
    ],
)
def test_longer_descriptions_of_restricted_work_are_caught(area, restricted):
    assert restricted_area_of(area) == restricted


@pytest.mark.parametrize("area", ["办公室", "业务科室", "社会救助", "预算编制", "人力资源市场", "法规科"])
def test_ordinary_areas_are_not_restricted(area):
    assert restricted_area_of(area) is None
    assert check_oversight(is_principal=True, area=area).allowed


def test_units_may_add_restricted_areas():
    assert restricted_area_of("信访接待", ["信访"]) == "信访"
    verdict = check_oversight(is_principal=True, area="信访接待", extra_areas=["信访"])
    assert not verdict.allowed


def test_a_written_reason_turns_a_refusal_into_a_recorded_exception():
    verdict = check_oversight(is_principal=True, area="财务", exception_reason="副职空缺，报纪委备案")
    assert verdict.allowed and verdict.is_exception and verdict.restricted_area == "财务"


def test_a_blank_reason_is_no_reason():
    assert not check_oversight(is_principal=True, area="财务", exception_reason="  \n ").allowed


@given(area=st.text(max_size=20), reason=st.text(max_size=10))
def test_deputies_may_oversee_anything_and_never_need_an_exception(area, reason):
    verdict = check_oversight(is_principal=False, area=area, exception_reason=reason)
    assert verdict.allowed and not verdict.is_exception


@given(
    prefix=st.text(max_size=5), suffix=st.text(max_size=5), area=st.sampled_from(STANDARD_RESTRICTED_AREAS)
)
def test_any_text_containing_a_restricted_area_is_restricted_for_the_principal(prefix, suffix, area):
    assert not check_oversight(is_principal=True, area=prefix + area + suffix).allowed


def test_normalize_folds_full_width_and_spaces():
    assert normalize_area(" 财　务 ") == "财务"
