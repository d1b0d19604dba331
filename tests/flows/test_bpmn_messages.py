"""Message flows between pools: one into another pool's message start event starts that pool as a
parallel branch; one into a message catch event leaves the wait step as it is; the rest are unmapped by id
with the reason."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from liuquan.flows import rules
from liuquan.flows.bpmn import NS_BPMN, from_bpmn, to_bpmn
from liuquan.flows.bpmn_import import ImportResult
from liuquan.flows.spec import END, Gateway, StepKind, Transition, TransitionKind

FIXTURES = Path(__file__).parent / "bpmn_fixtures"
T = TransitionKind


def two_pools(main: str, other: str, messages: str) -> bytes:
    return (
        f'<bpmn:definitions xmlns:bpmn="{NS_BPMN}" id="d" targetNamespace="urn:test">'
        '<bpmn:collaboration id="c"><bpmn:participant id="pa" name="审批局" processRef="a"/>'
        f'<bpmn:participant id="pb" name="专家组" processRef="b"/>{messages}</bpmn:collaboration>'
        f'<bpmn:process id="a" name="审批">{main}</bpmn:process>'
        f'<bpmn:process id="b" name="评审">{other}</bpmn:process></bpmn:definitions>'
    ).encode()


MAIN = """<bpmn:startEvent id="s"/><bpmn:userTask id="accept" name="受理"/><bpmn:userTask id="decide" name="决定"/>
  <bpmn:endEvent id="e" name="办结"/><bpmn:endEvent id="no" name="不予许可"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="accept"/>
  <bpmn:sequenceFlow id="f2" name="通过" sourceRef="accept" targetRef="decide"/>
  <bpmn:sequenceFlow id="f3" name="不予受理" sourceRef="accept" targetRef="no"/>
  <bpmn:sequenceFlow id="f4" sourceRef="decide" targetRef="e"/>"""
EXPERTS = """<bpmn:startEvent id="bs"><bpmn:messageEventDefinition/></bpmn:startEvent>
  <bpmn:userTask id="score" name="专家评分"/><bpmn:endEvent id="be" name="终止评审"/>
  <bpmn:sequenceFlow id="g1" sourceRef="bs" targetRef="score"/><bpmn:sequenceFlow id="g2" sourceRef="score" targetRef="be"/>"""


def read(data: bytes) -> ImportResult:
    result = from_bpmn(data, category="other")
    assert result.problems == []
    return result


def test_a_message_from_a_task_to_a_message_start_opens_the_other_pool_in_parallel() -> None:
    result = read(
        two_pools(
            MAIN, EXPERTS, '<bpmn:messageFlow id="Ask" name="请求评审" sourceRef="accept" targetRef="bs"/>'
        )
    )
    flow = result.flow
    assert flow is not None and result.unmapped == []
    assert flow.gateways == (Gateway("ask", "请求评审"),)
    assert flow.outgoing("accept") == (
        Transition("accept", "通过", "ask", T.NEXT, "通过"),
        Transition("accept", "不予受理", END, T.REJECT, "不予受理"),  # ends the case: nothing to start
    )
    assert flow.outgoing("ask") == (Transition("ask", "go", "decide"), Transition("ask", "go", "score"))
    # the started pool's end ends its branch only, whatever its name says
    assert flow.outgoing("score") == (Transition("score", "to_end", END, T.NEXT),)
    assert any('id="be"' in note.en and "ends that pool's branch only" in note.en for note in result.warnings)
    assert flow.step("score").post == "专家组"  # type: ignore[union-attr]
    assert not any(p.severity == "error" for p in rules.check_flow(flow) if p.code != "no_post")


def test_a_message_from_a_throw_event_on_the_way_splits_only_that_transition() -> None:
    main = """<bpmn:startEvent id="s"/><bpmn:userTask id="accept" name="受理"/>
      <bpmn:intermediateThrowEvent id="send" name="通知专家"><bpmn:messageEventDefinition/></bpmn:intermediateThrowEvent>
      <bpmn:userTask id="decide" name="决定"/><bpmn:endEvent id="e"/>
      <bpmn:exclusiveGateway id="x"/><bpmn:userTask id="fast" name="简易办理"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="accept"/><bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="x"/>
      <bpmn:sequenceFlow id="f3" name="复杂" sourceRef="x" targetRef="send"/><bpmn:sequenceFlow id="f4" sourceRef="send" targetRef="decide"/>
      <bpmn:sequenceFlow id="f5" name="简单" sourceRef="x" targetRef="fast"/><bpmn:sequenceFlow id="f6" sourceRef="fast" targetRef="e"/>
      <bpmn:sequenceFlow id="f7" sourceRef="decide" targetRef="e"/>"""
    result = read(two_pools(main, EXPERTS, '<bpmn:messageFlow id="m" sourceRef="send" targetRef="bs"/>'))
    flow = result.flow
    assert flow is not None
    assert [(t.outcome, t.target) for t in flow.outgoing("accept")] == [("复杂", "m"), ("简单", "fast")]
    assert [t.target for t in flow.outgoing("m")] == ["decide", "score"]
    assert [note.en.split('"')[1] for note in result.unmapped] == ["send"]  # passed through, as before


def test_a_message_into_a_catch_event_keeps_the_wait_step_and_is_only_reported() -> None:
    main = """<bpmn:startEvent id="s"/><bpmn:userTask id="accept" name="受理"/>
      <bpmn:intermediateCatchEvent id="wait" name="收到评审意见"><bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>
      <bpmn:userTask id="decide" name="决定"/><bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="accept"/><bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="wait"/>
      <bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="decide"/><bpmn:sequenceFlow id="f4" sourceRef="decide" targetRef="e"/>"""
    messages = (
        '<bpmn:messageFlow id="ask" sourceRef="accept" targetRef="bs"/>'
        '<bpmn:messageFlow id="answer" sourceRef="score" targetRef="wait"/>'
    )
    result = read(two_pools(main, EXPERTS, messages))
    flow = result.flow
    assert flow is not None and result.unmapped == []
    assert flow.step("wait").kind == StepKind.WAIT  # type: ignore[union-attr]
    assert [t.target for t in flow.outgoing("wait")] == ["decide"]
    [info] = [note for note in result.warnings if 'messageFlow id="answer"' in note.en]
    assert "for information only" in info.en and "仅供参考" in info.zh and 'id="wait"' in info.en


def test_message_flows_that_cannot_be_mapped_are_named_by_id_with_the_reason() -> None:
    messages = (
        '<bpmn:messageFlow id="to_task" sourceRef="accept" targetRef="score"/>'
        '<bpmn:messageFlow id="to_pool" sourceRef="accept" targetRef="pb"/>'
        '<bpmn:messageFlow id="from_pool" sourceRef="pb" targetRef="bs"/>'
        '<bpmn:messageFlow id="back" sourceRef="score" targetRef="s"/>'
    )
    result = read(two_pools(MAIN, EXPERTS, messages))
    reasons = {note.en.split('"')[1]: note for note in result.unmapped if note.en.startswith("messageFlow")}
    assert set(reasons) == {"to_task", "to_pool", "from_pool", "back"}
    assert "mapped only into another pool's message start event" in reasons["to_task"].en
    assert "a pool as a whole" in reasons["to_pool"].en
    assert "black box" in reasons["from_pool"].en and "黑盒" in reasons["from_pool"].zh
    assert "where the flow itself starts" in reasons["back"].en
    assert any("cannot be reached" in note.en and "专家评分" in note.en for note in result.warnings)


def test_the_two_pool_fixture_exports_as_one_process_and_reads_back_the_same_flow() -> None:
    flow = read((FIXTURES / "camunda_two_pools_everything.bpmn").read_bytes()).flow
    assert flow is not None
    data = to_bpmn(flow)
    root = etree.fromstring(data)
    assert len(root.findall(f".//{{{NS_BPMN}}}participant")) == 1 and not root.findall(
        f".//{{{NS_BPMN}}}messageFlow"
    )
    back = from_bpmn(data, category="other")
    assert (back.problems, back.unmapped, back.warnings) == ([], [], [])
    assert back.flow is not None
    assert set(back.flow.gateways) == set(
        flow.gateways
    )  # the export places gateways by the steps before them
    assert back.flow.transitions == flow.transitions and back.flow.steps == flow.steps
