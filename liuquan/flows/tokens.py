"""Where a case stands in a flow with parallel branches: its tokens, and what taking a transition does to
them (pure; no Django). The case engine runs cases by these rules and the validation rules play the
same game over every reachable state, so a published flow can neither deadlock nor overflow.

A token is either a step key (the step is open: a branch of the case is at it) or ``@<gateway>#<n>``:
a branch that came into a parallel gateway by transition number `n` of the flow and waits there for
the others. A case without parallel gateways always holds exactly one token, its current step.

Taking transition `n` from a step consumes that step's token and follows the target:
- a step: a token at it (the step opens);
- a parallel gateway with one incoming transition (a split): every outgoing transition is followed in
  turn, at once;
- a parallel gateway with several (a join): a waiting token. The join fires once no other token of the
  case can still reach it: the branches still running all arrive first, and a branch that ended or
  left for elsewhere is not waited for. It then consumes every token waiting at it and follows every
  outgoing transition. (A join that waited for a token on each incoming transition would deadlock in
  real models: an exclusive choice inside a branch, folded into transitions on import, or a called
  flow with several ends, brings one branch in by several transitions.)
- the end: the branch is over. A refusal or a termination (REJECT, TERMINATE) ends the whole case, the
  other branches with it (行政许可法 art. 38: a refusal is the decision); the case has ended once no
  token is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liuquan.flows.spec import END, Flow, TransitionKind

ENDS_CASE = frozenset({TransitionKind.REJECT, TransitionKind.TERMINATE})
MAX_FIRINGS = 1_000  # a malformed flow whose gateways feed each other cannot loop for ever


def parse(text: str) -> tuple[str, ...]:
    """Tokens as stored on a case (space-separated)."""
    return tuple(text.split())


def dump(tokens: Sequence[str]) -> str:
    return " ".join(tokens)


def steps_of(tokens: Sequence[str]) -> tuple[str, ...]:
    """The open steps among the tokens, in order, each once."""
    return tuple(dict.fromkeys(token for token in tokens if not token.startswith("@")))


def waiting(gateway: str, index: int) -> str:
    return f"@{gateway}#{index}"


@dataclass(frozen=True)
class Advance:
    """What one transition did: the tokens after it, the steps it opened, whether the case has ended."""

    tokens: tuple[str, ...]
    opened: tuple[str, ...]
    ended: bool


class TokenError(ValueError):
    """The transition cannot be taken from these tokens (its source step holds none), or the flow's
    gateways feed each other without end."""


@dataclass(frozen=True)
class _Graph:
    joins: frozenset[str]
    outgoing: dict[str, tuple[int, ...]]  # gateway → its outgoing transitions' numbers
    reach: dict[str, frozenset[str]]  # node → the nodes reachable from it in one or more transitions


_GRAPHS: dict[int, tuple[Flow, _Graph]] = {}  # by the flow's identity: hashing a whole flow costs more


def _graph(flow: Flow) -> _Graph:
    found = _GRAPHS.get(id(flow))
    if found is not None and found[0] is flow:
        return found[1]
    if len(_GRAPHS) >= 256:
        _GRAPHS.clear()
    graph = _build_graph(flow)
    _GRAPHS[id(flow)] = (flow, graph)
    return graph


def _build_graph(flow: Flow) -> _Graph:
    gateways = {gateway.key for gateway in flow.gateways}
    incoming: dict[str, int] = dict.fromkeys(gateways, 0)
    outgoing: dict[str, list[int]] = {key: [] for key in gateways}
    follows: dict[str, set[str]] = {}
    for number, row in enumerate(flow.transitions):
        if row.target in gateways:
            incoming[row.target] += 1
        if row.source in gateways:
            outgoing[row.source].append(number)
        follows.setdefault(row.source, set()).add(row.target)
    reach: dict[str, frozenset[str]] = {}
    for node in follows:
        seen: set[str] = set()
        todo = list(follows[node])
        while todo:
            target = todo.pop()
            if target not in seen:
                seen.add(target)
                todo.extend(follows.get(target, ()))
        reach[node] = frozenset(seen)
    return _Graph(
        joins=frozenset(key for key, count in incoming.items() if count > 1),
        outgoing={key: tuple(numbers) for key, numbers in outgoing.items()},
        reach=reach,
    )


def _node(token: str) -> str:
    return token[1:].partition("#")[0] if token.startswith("@") else token


def advance(flow: Flow, tokens: Sequence[str], index: int) -> Advance:
    """Take transition `index` of `flow` from `tokens`."""
    transition = flow.transitions[index]
    held = list(tokens)
    if transition.source not in held:
        raise TokenError(f"no branch of the case is at {transition.source}")
    held.remove(transition.source)
    graph = _graph(flow)
    opened: list[str] = []
    firings = 0

    def follow(number: int) -> bool:
        """Follow transition `number` to its target; True when it ends the case."""
        row = flow.transitions[number]
        if row.target == END:
            return row.kind in ENDS_CASE
        if row.target in graph.joins:
            held.append(waiting(row.target, number))
            return False
        if row.target in graph.outgoing:  # a split
            return fire(row.target)
        held.append(row.target)
        opened.append(row.target)
        return False

    def fire(gateway: str) -> bool:
        nonlocal firings
        firings += 1
        if firings > MAX_FIRINGS:
            raise TokenError(f"gateway {gateway} fires without end")
        return any([follow(onward) for onward in graph.outgoing[gateway]])

    if follow(index):
        return Advance(tokens=(), opened=(), ended=True)
    ready = True
    while ready:  # fire every join that nothing still running can reach, until none is left
        ready = False
        for join in sorted({_node(token) for token in held if token.startswith("@")}):
            mine = [token for token in held if token.startswith("@") and _node(token) == join]
            others = [token for token in held if token not in mine]
            if any(join in graph.reach.get(_node(token), ()) for token in others):
                continue
            for token in mine:
                held.remove(token)
            if fire(join):
                return Advance(tokens=(), opened=(), ended=True)
            ready = True
            break
    return Advance(tokens=tuple(held), opened=tuple(opened), ended=not held)
