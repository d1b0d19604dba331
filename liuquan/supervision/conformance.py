"""Conformance of a case's path to its flow (pure; no Django): the `skipped_step` and `out_of_order` rules.

The model. A flow is read as a state machine over step keys: a case at step s that completes s (with any
outcome the flow gives s) goes on to that transition's target, another step or END. So step t may follow
step s iff some transition s → t exists, and a case may end after s iff some transition s → END exists.
Outcomes themselves are the engine's business (it refuses an outcome a step does not have); here only
the order of steps counts, which is also all an event log's activities can say.

The trace. A case's trace is the sequence of step keys of its completed CaseStep rows in `position`
order (the order the engine applied them; times from other systems may tie or be skewed). Rows the
engine closes without the step having been performed are *marks*, not events, and are left out:
"skipped" (ingestion followed another system past this step: leaving it in would hide the skip),
"withdrawn" (the applicant withdrew, 撤回), "terminated" (the head ended the case, 终止) and "closed" (a
parallel branch still open when another branch ended the case). A mark is
recognised by its outcome only when the flow has no transition with that (step, outcome). Rows still
open (started, not completed) are not events yet.

Finished and open cases. A case is *finished* iff its last completed row (marks included) carries an
outcome the flow leads to END from that step: it ended through its flow. A finished trace conforms iff
it is a whole path: it begins at the start step, each step may follow the one before, and the last step
may end the case. Every other case — still open, waiting for a 补正, withdrawn, or terminated by the
head outside the flow — is judged as a *prefix*: it conforms iff it is the beginning of some whole
path (the same checks without the last). An empty trace is a fitting prefix and an incomplete finish.
Only finished cases are compared with PM4Py (a replay has no notion of "not over yet"); prefix verdicts
equal PM4Py's on the prefix completed by the shortest way to END, which the tests check too.

Parallel branches. In a flow with parallel gateways the steps of branches interleave in any order, so
the state machine over steps is replaced by the token game the engine plays (liuquan.flows.tokens):
the trace is replayed over every set of tokens its events can lead to (an event's outcome is not in
the trace, so each outgoing transition of its step is tried); an event fits when its step is open in
one of them, and a finished trace fits when one of them has ended.

The first event that does not fit decides the verdict's kind: an activity that is no step of the flow
is `unknown_step`; a step that could be reached from the previous one, only not directly, is
`skipped_step` (steps between were left out; a step repeated without the return in between is one); a
step that cannot be reached from the previous one at all is `out_of_order`; a finished trace whose
last step may not end the case is `incomplete`.

PM4Py: `petri_net(flow)` builds the equivalent labelled Petri net (one visible transition per step,
places p_<step> "ready" and q_<step> "done", a silent transition q_s → p_t per flow transition s → t and
q_s → sink per s → END; initial marking p_<start>, final marking sink). A trace is deviating here iff
PM4Py's token-based replay says `trace_is_fit` is False. PM4Py ignores activities outside the net (its
`consider_activities_not_in_model_in_fitness` flag leaks between traces), so `petri_net` takes the log's
other activities as `alphabet` and gives each a transition that is never enabled.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from liuquan.flows import tokens
from liuquan.flows.spec import END, Flow

__all__ = [
    "MARKS",
    "Deviation",
    "Model",
    "Verdict",
    "check",
    "compile_flow",
    "deviates",
    "judge",
    "petri_net",
    "traces",
]

# Outcomes the case engine writes on a row it closes without the step being performed.
MARKS = frozenset({"skipped", "swapped", "withdrawn", "terminated", "closed"})

_CLOSED_BRANCH = "closed"
_START = "\x00start"  # before the first event; not a possible step key
_NO_CASE: Any = object()  # before the first row
_MEMO_LIMIT = 1 << 16  # distinct variants remembered per model (a log has few; a hostile one many)

K = TypeVar("K", bound=Hashable)


class Deviation(StrEnum):
    SKIPPED_STEP = "skipped_step"  # a step reachable from the previous one, but not directly
    OUT_OF_ORDER = "out_of_order"  # a step the previous one can never lead to
    UNKNOWN_STEP = "unknown_step"  # an activity that is no step of the flow
    INCOMPLETE = "incomplete"  # a finished case whose last step may not end it


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a trace fits: `deviation` is None when it does; otherwise the first event that does not fit
    (its index in the trace and step key; for INCOMPLETE the trace's length and "")."""

    finished: bool
    deviation: Deviation | None = None
    position: int = -1
    step: str = ""

    @property
    def fits(self) -> bool:
        return self.deviation is None


_FITS = {True: Verdict(finished=True), False: Verdict(finished=False)}


class Model:
    """A flow compiled for conformance: for each step the steps (and END) that may follow it."""

    __slots__ = ("_memo", "_reach", "ending", "follows", "moves", "names", "parallel", "start", "steps")

    def __init__(self, flow: Flow) -> None:
        self.start = flow.start
        self.steps = frozenset(step.key for step in flow.steps)
        self.names = {step.key: step.name for step in flow.steps}  # as the logs and the BPMN name them
        follows: dict[str, set[str]] = {key: set() for key in self.steps}
        for row in flow.transitions:
            follows.setdefault(row.source, set()).add(row.target)
        follows[_START] = {self.start} if self.start else set()
        self.follows: dict[str, frozenset[str]] = {key: frozenset(nexts) for key, nexts in follows.items()}
        self.moves = frozenset((row.source, row.outcome) for row in flow.transitions)
        self.ending = frozenset((row.source, row.outcome) for row in flow.transitions if row.target == END)
        self._reach: dict[str, frozenset[str]] | None = None
        self.parallel = flow if flow.gateways else None  # replayed with tokens (see the module docstring)
        if self.parallel is not None:
            # What a step may be followed by, through gateways: for `reachable` and the deviation's kind.
            gateways = {gateway.key for gateway in flow.gateways}
            through: dict[str, set[str]] = {}
            for key, nexts in follows.items():
                seen, todo = set(), list(nexts)
                while todo:
                    target = todo.pop()
                    if target in seen:
                        continue
                    seen.add(target)
                    if target in gateways:
                        todo.extend(follows.get(target, ()))
                through[key] = {target for target in seen if target not in gateways}
            self.follows = {key: frozenset(nexts) for key, nexts in through.items()}
        self._memo: dict[tuple[tuple[str, ...], bool], Verdict] = {}

    # The hot path: a dict lookup and a set membership per event, and a memo per distinct variant.

    def first_bad(self, trace: Sequence[str], finished: bool) -> int:
        """The index of the first event that does not fit, len(trace) if only the end does not, or -1."""
        if self.parallel is not None:
            return self._first_bad_tokens(self.parallel, trace, finished)
        follows = self.follows
        empty: frozenset[str] = frozenset()
        previous = _START
        for index, step in enumerate(trace):
            if step not in follows.get(previous, empty):
                return index
            previous = step
        if finished and END not in follows.get(previous, empty):
            return len(trace)
        return -1

    def _first_bad_tokens(self, flow: Flow, trace: Sequence[str], finished: bool) -> int:
        by_source: dict[str, list[int]] = {}
        for number, row in enumerate(flow.transitions):
            by_source.setdefault(row.source, []).append(number)
        states: set[tuple[str, ...]] = {(self.start,)}
        for index, step in enumerate(trace):
            following: set[tuple[str, ...]] = set()
            for state in states:
                if step not in state:
                    continue
                for number in by_source.get(step, ()):
                    try:
                        moved = tokens.advance(flow, state, number)
                    except tokens.TokenError:
                        continue
                    following.add(() if moved.ended else tuple(sorted(moved.tokens)))
            if not following:
                return index
            states = following
        if finished and () not in states:
            return len(trace)
        return -1

    def check(self, trace: Sequence[str], *, finished: bool = True) -> Verdict:
        key = (tuple(trace), finished)
        verdict = self._memo.get(key)
        if verdict is None:
            verdict = self._judge(key[0], finished)
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = verdict
        return verdict

    def deviates(self, trace: Sequence[str], *, finished: bool = True) -> bool:
        return not self.check(trace, finished=finished).fits

    def finishes(self, step: str, outcome: str) -> bool:
        """Completing `step` with `outcome` ends the case through the flow."""
        return (step, outcome) in self.ending

    def is_mark(self, step: str, outcome: str) -> bool:
        """A row the engine closed without the step being performed (see MARKS)."""
        return outcome in MARKS and (step, outcome) not in self.moves

    def reachable(self, source: str, target: str) -> bool:
        """`target` can be reached from `source` in one or more transitions (source "" = before the
        start, where only paths from the start step count)."""
        return target in self._closure().get(source or _START, frozenset())

    def _judge(self, trace: tuple[str, ...], finished: bool) -> Verdict:
        index = self.first_bad(trace, finished)
        if index < 0:
            return _FITS[finished]
        if index == len(trace):
            return Verdict(finished, Deviation.INCOMPLETE, index, "")
        step = trace[index]
        previous = trace[index - 1] if index else _START
        if step not in self.steps:
            kind = Deviation.UNKNOWN_STEP
        elif self.reachable(previous, step):
            kind = Deviation.SKIPPED_STEP
        else:
            kind = Deviation.OUT_OF_ORDER
        return Verdict(finished, kind, index, step)

    def _closure(self) -> dict[str, frozenset[str]]:
        if self._reach is None:
            reach: dict[str, frozenset[str]] = {}
            for source in self.follows:
                seen: set[str] = set()
                frontier = [t for t in self.follows[source] if t != END]
                while frontier:
                    step = frontier.pop()
                    if step in seen:
                        continue
                    seen.add(step)
                    frontier.extend(t for t in self.follows.get(step, ()) if t != END)
                reach[source] = frozenset(seen)
            self._reach = reach
        return self._reach


@lru_cache(maxsize=256)
def compile_flow(flow: Flow) -> Model:
    """The compiled model of a flow (cached: a Flow is immutable)."""
    return Model(flow)


def _model(flow: Flow | Model) -> Model:
    return flow if isinstance(flow, Model) else compile_flow(flow)


def check(flow: Flow | Model, trace: Sequence[str], *, finished: bool = True) -> Verdict:
    """The verdict on one trace: a whole path if `finished`, else a prefix of one."""
    return _model(flow).check(trace, finished=finished)


def deviates(flow: Flow | Model, trace: Sequence[str], *, finished: bool = True) -> bool:
    return not _model(flow).check(trace, finished=finished).fits


def traces(
    flow: Flow | Model, rows: Iterable[tuple[K, str, str]]
) -> Iterator[tuple[K, tuple[str, ...], bool]]:
    """(case, trace, finished) per case from completed step rows (case, step key, outcome), ordered by
    case and position; marks are left out of the trace but count for `finished`."""
    model = _model(flow)
    current: Any = _NO_CASE
    steps: list[str] = []
    last = ("", "")
    for case, step, outcome in rows:
        if case != current:
            if current is not _NO_CASE:
                yield current, tuple(steps), last in model.ending
            current, steps = case, []
        if outcome == _CLOSED_BRANCH and (step, outcome) not in model.moves:
            continue  # closed because another branch ended the case: neither an event nor the finish
        last = (step, outcome)
        if outcome not in MARKS or last in model.moves:
            steps.append(step)
    if current is not _NO_CASE:
        yield current, tuple(steps), last in model.ending


def judge(flow: Flow | Model, rows: Iterable[tuple[K, str, str]]) -> dict[K, Verdict]:
    """Every case's verdict from its completed step rows (case, step key, outcome), ordered by case and
    position — one pass, one dict lookup per event and one per distinct variant. ValueError if a
    case's rows are not together."""
    model = _model(flow)
    ending, moves = model.ending, model.moves
    verdicts: dict[K, Verdict] = {}
    current: Any = _NO_CASE
    steps: list[str] = []
    last_step = last_outcome = ""
    for case, step, outcome in rows:
        if case != current:
            if current is not _NO_CASE:
                _close(model, verdicts, current, steps, (last_step, last_outcome) in ending)
            current, steps = case, []
        if outcome == _CLOSED_BRANCH and (step, outcome) not in moves:
            continue  # closed because another branch ended the case: neither an event nor the finish
        last_step, last_outcome = step, outcome
        if outcome not in MARKS or (step, outcome) in moves:
            steps.append(step)
    if current is not _NO_CASE:
        _close(model, verdicts, current, steps, (last_step, last_outcome) in ending)
    return verdicts


def judge_paths(flow: Flow | Model, rows: Iterable[tuple[K, str]]) -> dict[K, Verdict]:
    """Every case's verdict from its stored path (cases.Case.path: the completed steps, space-separated,
    "$" once a move reached the end) — the same verdicts as `judge` over its step rows, from one short
    row per case."""
    model = _model(flow)
    memo = model._memo
    verdicts: dict[K, Verdict] = {}
    for case, path in rows:
        steps = path.split()
        finished = bool(steps) and steps[-1] == "$"
        if finished:
            steps.pop()
        key = (tuple(steps), finished)
        verdicts[case] = memo.get(key) or model.check(key[0], finished=finished)
    return verdicts


def _close(model: Model, verdicts: dict[Any, Verdict], case: Any, steps: list[str], finished: bool) -> None:
    if case in verdicts:
        raise ValueError(f"the rows of case {case!r} are not together: order them by case")
    key = (tuple(steps), finished)
    verdicts[case] = model._memo.get(key) or model.check(key[0], finished=finished)


# PM4Py ----------------------------------------------------------------------------------------------


def petri_net(flow: Flow, *, alphabet: Iterable[str] = ()) -> tuple[Any, Any, Any]:
    """The flow as a PM4Py labelled Petri net with its initial and final markings (see the module
    docstring). PM4Py is a test and benchmark dependency only (AGPL): imported here, never at module
    level. `alphabet`: further activities of the log, each given a transition that is never enabled."""
    from importlib import import_module

    obj = import_module("pm4py.objects.petri_net.obj")
    utils = import_module("pm4py.objects.petri_net.utils.petri_utils")
    PetriNet, Marking = obj.PetriNet, obj.Marking
    net = PetriNet(f"liuquan:{flow.name}")
    places: dict[str, Any] = {}

    def place(name: str) -> Any:
        if name not in places:
            places[name] = PetriNet.Place(name)
            net.places.add(places[name])
        return places[name]

    def transition(name: str, label: str | None, source: Any, target: Any | None) -> None:
        row = PetriNet.Transition(name, label)
        net.transitions.add(row)
        utils.add_arc_from_to(source, row, net)
        if target is not None:
            utils.add_arc_from_to(row, target, net)

    sink = place("sink")
    gateways = {gateway.key for gateway in flow.gateways}
    for step in flow.steps:
        transition(f"t_{step.key}", step.key, place(f"p_{step.key}"), place(f"q_{step.key}"))

    def goal(number: int, target: str) -> Any:
        if target == END:
            return sink
        return place(f"a_{target}_{number}") if target in gateways else place(f"p_{target}")

    pairs = sorted({(row.source, row.target) for row in flow.transitions if row.source not in gateways})
    for source, target in pairs:
        if target in gateways:
            for number, row in enumerate(flow.transitions):
                if (row.source, row.target) == (source, target):
                    transition(
                        f"tau_{source}_{target}_{number}", None, place(f"q_{source}"), goal(number, target)
                    )
        else:
            transition(f"tau_{source}_{target}", None, place(f"q_{source}"), goal(-1, target))
    for key in sorted(gateways):
        # A parallel gateway: one silent transition that needs a token from every incoming transition and
        # puts one on every outgoing one.
        row = PetriNet.Transition(f"g_{key}", None)
        net.transitions.add(row)
        for number, incoming in enumerate(flow.transitions):
            if incoming.target == key:
                utils.add_arc_from_to(place(f"a_{key}_{number}"), row, net)
        for number, outgoing in enumerate(flow.transitions):
            if outgoing.source == key:
                utils.add_arc_from_to(row, goal(number, outgoing.target), net)
    known = {step.key for step in flow.steps}
    for label in sorted(set(alphabet) - known):
        # Its input place is never marked: replaying it always needs a missing token.
        transition(f"u_{label}", label, place(f"u_{label}"), None)
    initial = Marking({place(f"p_{flow.start}"): 1})
    final = Marking({sink: 1})
    return net, initial, final
