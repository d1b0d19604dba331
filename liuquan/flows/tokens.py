"""Where a case stands in a flow with parallel branches: its tokens, and what taking a transition does to
them (pure; no Django). The case engine runs cases by these rules and the validation rules play the
same game over every reachable state, so a published flow can neither deadlock nor overflow.

A token is either a step key (the step is open: a branch of the case is at it) or ``@<gateway>#<n>``:
a branch that came into a parallel gateway by transition number `n` of the flow and waits there for
the others. A case without parallel gateways always holds exactly one token, its current step.

Taking transition `n` from a step consumes that step's token and follows the target:
- a step: a token at it (the step opens);
- a parallel gateway: a waiting token; once a branch waits on every incoming transition the gateway
  fires, consuming one from each, and every outgoing transition is followed in turn (a gateway with one
  incoming transition is a plain split and fires at once);
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


def advance(flow: Flow, tokens: Sequence[str], index: int) -> Advance:
    """Take transition `index` of `flow` from `tokens`."""
    transition = flow.transitions[index]
    held = list(tokens)
    if transition.source not in held:
        raise TokenError(f"no branch of the case is at {transition.source}")
    held.remove(transition.source)
    gateways = {gateway.key for gateway in flow.gateways}
    incoming: dict[str, list[int]] = {key: [] for key in gateways}
    outgoing: dict[str, list[int]] = {key: [] for key in gateways}
    for number, row in enumerate(flow.transitions):
        if row.target in gateways:
            incoming[row.target].append(number)
        if row.source in gateways:
            outgoing[row.source].append(number)
    opened: list[str] = []
    firings = 0

    def follow(number: int) -> bool:
        """Follow transition `number` to its target; True when it ends the case."""
        nonlocal firings
        row = flow.transitions[number]
        if row.target == END:
            return row.kind in ENDS_CASE
        if row.target not in gateways:
            held.append(row.target)
            opened.append(row.target)
            return False
        held.append(waiting(row.target, number))
        arrived = [waiting(row.target, n) for n in incoming[row.target]]
        if not all(token in held for token in arrived):
            return False
        firings += 1
        if firings > MAX_FIRINGS:
            raise TokenError(f"gateway {row.target} fires without end")
        for token in arrived:
            held.remove(token)
        return any([follow(onward) for onward in outgoing[row.target]])

    if follow(index):
        return Advance(tokens=(), opened=(), ended=True)
    return Advance(tokens=tuple(held), opened=tuple(opened), ended=not held)
