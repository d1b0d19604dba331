"""A Flow as JSON and back (pure; no Django): how the database stores a flow version, and what the API
and the CLI read and write. Decoding checks every field and names the path of the first bad one."""

from __future__ import annotations

from typing import Any

from liuquan.flows.spec import (
    Call,
    DayKind,
    Flow,
    Gateway,
    GatewayKind,
    Limit,
    RiskLevel,
    RiskPoint,
    Sanction,
    SeparationGroup,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)

FORMAT = 1


class FlowFormatError(ValueError):
    """The JSON is not a flow; the message names the path (``steps[2].limit.days``) and the problem."""


def _limit(limit: Limit | None) -> dict[str, Any] | None:
    return None if limit is None else {"days": limit.days, "kind": limit.kind.value}


def encode(flow: Flow) -> dict[str, Any]:
    data = _encode(flow)
    # Written only when used, so that flows without them keep the stored form (and digest) they had.
    if flow.gateways:
        data["gateways"] = [
            {"key": gateway.key, "name": gateway.name, "kind": gateway.kind.value}
            for gateway in flow.gateways
        ]
    if flow.limit_basis:
        data["limit_basis"] = flow.limit_basis
    if flow.sanctions:
        data["sanctions"] = [sanction.value for sanction in flow.sanctions]
    if flow.max_amount is not None:
        data["max_amount"] = flow.max_amount
    if flow.calls:
        data["calls"] = [
            {"step": call.step, "power": call.power, "version": call.version, "name": call.name}
            for call in flow.calls
        ]
    for raw, step in zip(data["steps"], flow.steps, strict=True):
        if step.calls:
            raw["calls"] = step.calls
        if step.group:
            raw["group"] = step.group
    for raw, row in zip(data["transitions"], flow.transitions, strict=True):
        if row.after is not None:
            raw["after"] = _limit(row.after)
    return data


def _encode(flow: Flow) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "name": flow.name,
        "category": flow.category,
        "description": flow.description,
        "posts": list(flow.posts),
        "case_limit": _limit(flow.case_limit),
        "extension": _limit(flow.extension),
        "steps": [
            {
                "key": step.key,
                "name": step.name,
                "kind": step.kind.value,
                "post": step.post,
                "limit": _limit(step.limit),
                "meeting": step.meeting,
                "publicity": step.publicity,
                "suspends_clock": step.suspends_clock,
                "note": step.note,
            }
            for step in flow.steps
        ],
        "transitions": [
            {
                "source": row.source,
                "outcome": row.outcome,
                "target": row.target,
                "kind": row.kind.value,
                "label": row.label,
                "condition": row.condition,
            }
            for row in flow.transitions
        ],
        "separation": [
            {"name": group.name, "steps": list(group.steps), "basis": group.basis}
            for group in flow.separation
        ],
        "risks": [
            {
                "step": risk.step,
                "point": risk.point,
                "manifestation": risk.manifestation,
                "level": risk.level.value,
                "measures": risk.measures,
                "post": risk.post,
                "person": risk.person,
                "rule": risk.rule,
            }
            for risk in flow.risks
        ],
    }


class _Reader:
    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise FlowFormatError(f"{path or 'flow'}: expected an object, got {type(data).__name__}")
        self.data = data
        self.path = path

    def _where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.data.get(key, None)
        if value is None:
            if required:
                raise FlowFormatError(f"{self._where(key)}: missing")
            return default
        if not isinstance(value, str):
            raise FlowFormatError(f"{self._where(key)}: expected text, got {type(value).__name__}")
        if required and not value.strip():
            raise FlowFormatError(f"{self._where(key)}: empty")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            raise FlowFormatError(f"{self._where(key)}: expected true or false")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise FlowFormatError(f"{self._where(key)}: expected a list")
        return value

    def choice(self, key: str, enum: type[Any], *, default: Any = None) -> Any:
        value = self.data.get(key, None)
        if value is None and default is not None:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise FlowFormatError(f"{self._where(key)}: {value!r} is not one of {allowed}") from None

    def limit(self, key: str) -> Limit | None:
        value = self.data.get(key, None)
        if value is None:
            return None
        reader = _Reader(value, self._where(key))
        days = value.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
            raise FlowFormatError(f"{self._where(key)}.days: expected a whole number of days from 0 to 3650")
        return Limit(days, reader.choice("kind", DayKind, default=DayKind.WORKING))


def decode(data: Any) -> Flow:
    """The Flow in `data` (as `encode` writes it); FlowFormatError naming the first bad field."""
    top = _Reader(data, "")
    if data.get("format", FORMAT) != FORMAT:
        raise FlowFormatError(
            f"format: unknown flow format {data.get('format')!r} (this version reads {FORMAT})"
        )
    steps = []
    for position, raw in enumerate(top.items("steps")):
        row = _Reader(raw, f"steps[{position}]")
        steps.append(
            Step(
                key=row.text("key", required=True),
                name=row.text("name", required=True),
                kind=row.choice("kind", StepKind),
                post=row.text("post"),
                limit=row.limit("limit"),
                meeting=row.flag("meeting"),
                publicity=row.flag("publicity"),
                suspends_clock=row.flag("suspends_clock"),
                note=row.text("note"),
                calls=row.text("calls"),
                group=row.text("group"),
            )
        )
    transitions = []
    for position, raw in enumerate(top.items("transitions")):
        row = _Reader(raw, f"transitions[{position}]")
        transitions.append(
            Transition(
                source=row.text("source", required=True),
                outcome=row.text("outcome", required=True),
                target=row.text("target", required=True),
                kind=row.choice("kind", TransitionKind, default=TransitionKind.NEXT),
                label=row.text("label"),
                condition=row.text("condition"),
                after=row.limit("after"),
            )
        )
    groups = []
    for position, raw in enumerate(top.items("separation")):
        row = _Reader(raw, f"separation[{position}]")
        members = row.items("steps")
        if not all(isinstance(member, str) for member in members):
            raise FlowFormatError(f"separation[{position}].steps: expected step keys")
        groups.append(
            SeparationGroup(
                name=row.text("name", required=True), steps=tuple(members), basis=row.text("basis")
            )
        )
    risks = []
    for position, raw in enumerate(top.items("risks")):
        row = _Reader(raw, f"risks[{position}]")
        risks.append(
            RiskPoint(
                step=row.text("step", required=True),
                point=row.text("point", required=True),
                manifestation=row.text("manifestation"),
                level=row.choice("level", RiskLevel),
                measures=row.text("measures", required=True),
                post=row.text("post"),
                person=row.text("person"),
                rule=row.text("rule"),
            )
        )
    gateways = []
    for position, raw in enumerate(top.items("gateways")):
        row = _Reader(raw, f"gateways[{position}]")
        gateways.append(
            Gateway(
                key=row.text("key", required=True),
                name=row.text("name"),
                kind=row.choice("kind", GatewayKind, default=GatewayKind.PARALLEL),
            )
        )
    calls = []
    for position, raw in enumerate(top.items("calls")):
        row = _Reader(raw, f"calls[{position}]")
        version = raw.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise FlowFormatError(f"calls[{position}].version: expected a version number")
        calls.append(
            Call(
                step=row.text("step", required=True),
                power=row.text("power", required=True),
                version=version,
                name=row.text("name"),
            )
        )
    sanctions = []
    for position, value in enumerate(top.items("sanctions")):
        try:
            sanctions.append(Sanction(value))
        except ValueError:
            allowed = ", ".join(member.value for member in Sanction)
            raise FlowFormatError(f"sanctions[{position}]: {value!r} is not one of {allowed}") from None
    max_amount = data.get("max_amount")
    if max_amount is not None and (
        not isinstance(max_amount, int) or isinstance(max_amount, bool) or max_amount < 0
    ):
        raise FlowFormatError("max_amount: expected a whole number of yuan, 0 or more")
    posts = top.items("posts")
    if not all(isinstance(post, str) for post in posts):
        raise FlowFormatError("posts: expected post names")
    return Flow(
        name=top.text("name", required=True),
        category=top.text("category", required=True),
        steps=tuple(steps),
        transitions=tuple(transitions),
        case_limit=top.limit("case_limit"),
        extension=top.limit("extension"),
        separation=tuple(groups),
        risks=tuple(risks),
        description=top.text("description"),
        posts=tuple(posts),
        gateways=tuple(gateways),
        limit_basis=top.text("limit_basis"),
        sanctions=tuple(sanctions),
        max_amount=max_amount,
        calls=tuple(calls),
    )
