"""The 权力运行流程图 and the 风险防控图 of a flow, drawn as standalone SVG (pure; no Django).

    flow_svg(flow)   posts as swimlanes, steps as boxes left to right, transitions as labelled arrows
    risk_svg(flow)   the same chart with steps coloured by their highest risk, and the risk table below

Layout, in short: one lane per post (Flow.lanes() order, "" drawn as 未指定岗位); a step's column is the
longest chain of forward transitions (by display order) that leads to it, so a straight flow reads one
step per column as in the published pictures, and parallel branches in different lanes share a column.
Forward arrows are orthogonal lines through the gaps between columns; transitions back to an earlier
column (补正, 退回) are dashed: a curve over the boxes within one lane, or to another lane a line with
rounded corners that runs in the free band above or below the boxes and through the gap beside the
target's column, so it never crosses a box; a self-loop (延期) is a small hump on the top edge's right
end; refusals and terminations (不予受理, 终止) end in a crossed circle under their step, a normal end in
a bullseye after the last column. Parallel gateways are diamonds with a "+" placed like steps; a WAIT
step's box has an hourglass, a CALL step's a thick border, a boxed "+" and the called power's code; the
steps of one group get a dashed frame with the group's name.

Labels are placed last, once every line is routed: each takes the first of its candidate places (beside
its own line, as in the published pictures) that overlaps no box, circle or other label and has no line
through it, or else the nearest such place around; the canvas grows to fit, and titles wrap rather than
being cut. Boxes come from `text_width` (CJK 1 em, Latin about 0.6 em), which the tests use as well.
Labels have a white halo, so they stay legible should a line still cross one.

The output is deterministic, uses no external resources, scripts or <foreignObject>, escapes every
user-supplied string, and keeps every font at 12px or more at natural size: pages should show it at
natural width in a horizontally scrollable box on a phone rather than shrink it to the screen.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from liuquan.flows.spec import (
    END,
    GATEWAY_KIND_NAMES,
    RISK_LEVEL_NAMES,
    DayKind,
    Flow,
    Gateway,
    Limit,
    RiskLevel,
    Step,
    StepKind,
    Transition,
    TransitionKind,
)

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"

RISK_COLORS: dict[RiskLevel | None, str] = {
    RiskLevel.HIGH: "#d9363e",
    RiskLevel.MEDIUM: "#f0a020",
    RiskLevel.LOW: "#2e9e5b",
    None: "#9e9e9e",
}
RISK_TINTS: dict[RiskLevel | None, str] = {
    RiskLevel.HIGH: "#fde7e8",
    RiskLevel.MEDIUM: "#fdf1dc",
    RiskLevel.LOW: "#e2f3e9",
    None: "#f2f2f2",
}
# Text drawn on a risk colour: white where the contrast allows it, black on the orange.
_RISK_INK: dict[RiskLevel | None, str] = {
    RiskLevel.HIGH: "#fff",
    RiskLevel.MEDIUM: "#000",
    RiskLevel.LOW: "#fff",
    None: "#fff",
}
_RISK_ORDER = {RiskLevel.HIGH: 3, RiskLevel.MEDIUM: 2, RiskLevel.LOW: 1}
UNASSIGNED_LANE = "未指定岗位"

# Sizes in px at natural scale; nothing is smaller than 12px.
TITLE_SIZE = 20
NAME_SIZE = 15
LANE_SIZE = 14
SMALL_SIZE = 12
LEGEND_SIZE = 13
TABLE_SIZE = 13

MARGIN = 16
TITLE_H = 44
TITLE_LINE = 26
LANE_LABEL_W = 112
START_W = 72
BOX_W = 150
MARKERS_PER_ROW = 6
GATEWAY_W = 44
# A line of text spans from TEXT_ASCENT em above its baseline to TEXT_DESCENT em below (CJK fonts).
TEXT_ASCENT = 0.88
TEXT_DESCENT = 0.2
INK = "#222"
LINE = "#333"

_TERMINAL_KINDS = (TransitionKind.REJECT, TransitionKind.TERMINATE)
_DASHED_KINDS = (TransitionKind.CORRECTION, TransitionKind.RETURN, TransitionKind.EXTEND)
_DEFAULT_LABELS: dict[TransitionKind, str] = {
    TransitionKind.REJECT: "不予办理",
    TransitionKind.CORRECTION: "需补正",
    TransitionKind.EXTEND: "延期",
    TransitionKind.RETURN: "退回",
    TransitionKind.TERMINATE: "终止",
}
_DAY_NAMES = {DayKind.WORKING: "工作日", DayKind.NATURAL: "自然日"}


# --- text ---------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry at all (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TOKEN = re.compile(r"[!-~]+| +|.", re.DOTALL)
_NO_LINE_START = set("，。、；：？！）》」』”’…—,.;:?!)%")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _esc(text: str) -> str:
    return escape(_clean(text))


def _attr(text: str) -> str:
    return quoteattr(_clean(text))


@functools.lru_cache(maxsize=4096)
def _char_em(char: str) -> float:
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in "WFA":
        return 1.0  # CJK, full-width forms, and ambiguous ones (①, …) that CJK fonts draw wide
    if char.isupper() or char in "mwMW@%":
        return 0.7
    return 0.6


def _ems(text: str) -> float:
    return sum(map(_char_em, text))


def text_width(text: str, size: float) -> float:
    """The estimated drawn width in px: a CJK or full-width character is 1 em, other text about 0.6 em
    (capitals and m/w 0.7). Every label box of the drawings is computed from it, and so are the
    layout checks in the tests."""
    return _ems(text) * size


def wrap_text(
    text: str, width: float, size: float, *, max_lines: int = 0, balance: bool = False
) -> list[str]:
    """Break `text` into lines no wider than `width` px (CJK text has no spaces, so it breaks between any
    two characters; an ASCII word is kept whole when it fits). Closing punctuation may hang past the
    edge rather than start a line. With `max_lines`, the last kept line ends in "…". With `balance`, the
    lines are made about equally long (放弃陈述/申辩, not 放弃陈述申/辩), which suits short labels."""
    lines = _wrap(text, width, size)
    if balance and len(lines) > 1 and (not max_lines or len(lines) <= max_lines):
        narrower = text_width("".join(lines), size) / len(lines)
        while narrower < width:
            attempt = _wrap(text, narrower, size)
            if len(attempt) == len(lines):
                lines = attempt
                break
            narrower += size / 2
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _wrap(text: str, width: float, size: float) -> list[str]:
    room = width / size  # in ems, so each token is measured once
    lines: list[str] = []
    for paragraph in _clean(text).split("\n"):
        line, used = "", 0.0
        for token in _TOKEN.findall(paragraph):
            ems = _ems(token)
            if used + ems <= room or (token in _NO_LINE_START and line and used + ems <= room + 1):
                line, used = line + token, used + ems
            elif token.isspace():
                lines.append(line.rstrip())
                line, used = "", 0.0
            else:
                if line:
                    lines.append(line.rstrip())
                line, used = "", 0.0
                for char in token:  # a token wider than the line is cut by character
                    if line and used + _char_em(char) > room:
                        lines.append(line)
                        line, used = "", 0.0
                    line, used = line + char, used + _char_em(char)
        lines.append(line.rstrip())
    return lines


def _f(value: float) -> str:
    """A coordinate with one decimal at most, so output is short and the same on every platform."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: float,
    anchor: str = "middle",
    line_height: float = 0,
    bold: bool = False,
    fill: str = INK,
    halo: bool = False,
) -> str:
    """A <text> whose first baseline is at y, one <tspan> a line when there are several."""
    attrs = f'x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if bold:
        attrs += ' font-weight="bold"'
    if fill != INK:
        attrs += f' fill="{fill}"'
    if len(lines) == 1:
        body = _esc(lines[0])
    else:
        step = line_height or size * 1.3
        body = "".join(
            f'<tspan x="{_f(x)}" dy="{_f(0 if i == 0 else step)}">{_esc(line)}</tspan>'
            for i, line in enumerate(lines)
        )
    if halo:
        # A white outline under the glyphs keeps a label legible where it crosses a line. It is a
        # second, stroked copy drawn first (not paint-order, which PDF/PNG renderers such as Cairo
        # ignore, painting the outline over the glyphs).
        outline = ' stroke="#fff" stroke-width="4" stroke-linejoin="round" aria-hidden="true"'
        return f"<g><text {attrs}{outline}>{body}</text><text {attrs}>{body}</text></g>"
    return f"<text {attrs}>{body}</text>"


def limit_text(limit: Limit) -> str:
    """A step's time limit as its box shows it, "≤5个工作日"; 0 days means on the spot (当场办理)."""
    if limit.days <= 0:
        return "当场办理"
    return f"≤{limit.days}个{_DAY_NAMES[limit.kind]}"


def _case_limit_text(flow: Flow) -> str:
    if flow.case_limit is None:
        return ""
    text = f"办结时限：{flow.case_limit.days}个{_DAY_NAMES[flow.case_limit.kind]}"
    if flow.extension is not None:
        text += f"，可延长{flow.extension.days}个{_DAY_NAMES[flow.extension.kind]}"
    return text


def _transition_label(transition: Transition, source: Step | None) -> str:
    """As shown on the arrow; a timer's says when it fires, "10个工作日后"."""
    if transition.label:
        label = transition.label
    elif transition.kind is TransitionKind.REJECT and source is not None and source.kind is StepKind.ACCEPT:
        label = "不予受理"
    else:
        label = _DEFAULT_LABELS.get(transition.kind, "")
    timer = _timer_text(transition)
    return f"{timer}：{label}" if timer and label else timer or label


def _timer_text(transition: Transition) -> str:
    after = transition.after
    if after is None:
        return ""
    return f"{after.days}个{_DAY_NAMES[after.kind]}后" if after.days > 0 else "到期即"


# --- geometry -----------------------------------------------------------------------------------


@dataclass(eq=False)  # compared and hashed by identity: a box, the start circle or the end circle
class _Node:
    key: str
    lane: int
    col: int
    kind: str = "step"  # step | gateway | start | end
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass
class _Edge:
    index: int
    transition: Transition | None  # None for the arrow from the start circle
    route: str  # forward | arc | cross | loop | terminal
    source: _Node
    target: _Node | None
    label: str
    level: int = 0  # arcs: how many arcs it clears
    lines: list[str] = field(default_factory=list)  # the label, wrapped
    ports: dict[str, float] = field(default_factory=dict)
    points: list[tuple[float, float]] = field(default_factory=list)  # the line as drawn (curves sampled)
    d: str = ""
    head: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 0.0)  # the arrowhead's tip and direction
    extra: str = ""  # the crossed circle of a terminal edge


@dataclass
class _Label:
    """A block of text to place: its lines, and the top-left corners it may take, best first."""

    lines: list[str]
    size: float
    line_height: float
    candidates: list[tuple[float, float]]
    anchor: tuple[float, float]  # where it belongs: the search starts here when every candidate is taken
    halo: bool = True
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left, top, right, bottom once placed

    @property
    def w(self) -> float:
        return max(text_width(line, self.size) for line in self.lines)

    @property
    def h(self) -> float:
        return (len(self.lines) - 1) * self.line_height + (TEXT_ASCENT + TEXT_DESCENT) * self.size

    def centred(self, cx: float, top: float) -> tuple[float, float]:
        return cx - self.w / 2, top

    def svg(self) -> str:
        left, top, right, _ = self.box
        return _text(
            (left + right) / 2,
            top + TEXT_ASCENT * self.size,
            self.lines,
            size=self.size,
            line_height=self.line_height,
            halo=self.halo,
        )


def step_id(key: str) -> str:
    """The id of a step's group in both drawings: "step-<key>", whitespace made "_" (ids are tokens)."""
    return "step-" + re.sub(r"\s", "_", key)


def _spread(count: int, low: float, high: float) -> list[float]:
    if count == 1:
        return [(low + high) / 2]
    return [low + (high - low) * i / (count - 1) for i in range(count)]


def _rounded(points: Sequence[tuple[float, float]], radius: float = 6) -> str:
    """An orthogonal polyline as a path with its corners rounded."""
    kept = [points[0]]
    for point in points[1:]:
        if math.dist(point, kept[-1]) > 0.05:
            kept.append(point)
    d = f"M{_f(kept[0][0])} {_f(kept[0][1])}"
    for (px, py), (cx, cy), (nx, ny) in zip(kept, kept[1:], kept[2:], strict=False):
        r = min(radius, math.dist((px, py), (cx, cy)) / 2, math.dist((cx, cy), (nx, ny)) / 2)
        ax, ay = cx - _sign(cx - px) * r, cy - _sign(cy - py) * r
        bx, by = cx + _sign(nx - cx) * r, cy + _sign(ny - cy) * r
        d += f"L{_f(ax)} {_f(ay)}Q{_f(cx)} {_f(cy)} {_f(bx)} {_f(by)}"
    if len(kept) > 1:
        d += f"L{_f(kept[-1][0])} {_f(kept[-1][1])}"
    return d


def _sample(curve: Sequence[tuple[float, float]], count: int = 12) -> list[tuple[float, float]]:
    """A cubic Bézier curve as a polyline of `count` pieces (for label placement only)."""
    found = [curve[0]]
    for i in range(1, count + 1):
        t = i / count
        points = list(curve)
        while len(points) > 1:  # de Casteljau
            points = [
                (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in itertools.pairwise(points)
            ]
        found.append(points[0])
    return found


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _meets(a: Box, b: Box) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _crosses(box: Box, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether the segment a–b runs through the box (Liang–Barsky clipping)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - box[0]), (dx, box[2] - a[0]), (-dy, a[1] - box[1]), (dy, box[3] - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            low = max(low, r)
        else:
            high = min(high, r)
        if low > high:
            return False
    return True


def _sign(value: float) -> float:
    return (value > 0) - (value < 0)


def _arrowhead(x: float, y: float, dx: float, dy: float) -> str:
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bx, by = x - ux * 9, y - uy * 9
    return (
        f'<path d="M{_f(x)} {_f(y)}L{_f(bx - uy * 4)} {_f(by + ux * 4)}'
        f'L{_f(bx + uy * 4)} {_f(by - ux * 4)}Z" fill="{LINE}"/>'
    )


def _risk_numbers(flow: Flow) -> dict[str, list[tuple[int, RiskLevel]]]:
    numbers: dict[str, list[tuple[int, RiskLevel]]] = {}
    for number, risk in enumerate(flow.risks, start=1):
        numbers.setdefault(risk.step, []).append((number, risk.level))
    return numbers


def _highest(levels: Iterable[RiskLevel]) -> RiskLevel | None:
    return max(levels, key=lambda level: _RISK_ORDER[level], default=None)


def _marker(x: float, y: float, number: int, level: RiskLevel) -> str:
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="10" fill="{RISK_COLORS[level]}"/>' + _text(
        x, y + 4.3, [str(number)], size=SMALL_SIZE, bold=True, fill=_RISK_INK[level]
    )


def _start_circle(x: float, y: float, r: float) -> str:
    return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="#fff" stroke="{LINE}" stroke-width="2"/>'


def _end_circle(x: float, y: float, r: float) -> str:
    return _start_circle(x, y, r) + f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r * 0.55)}" fill="{LINE}"/>'


def _terminal_circle(x: float, y: float, r: float) -> str:
    """A crossed circle: the case ends here without the normal result (不予受理, 终止)."""
    d = r * 0.7
    return (
        f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" fill="#fff" stroke="{LINE}" stroke-width="1.6"/>'
        f'<path d="M{_f(x - d)} {_f(y - d)}L{_f(x + d)} {_f(y + d)}M{_f(x - d)} {_f(y + d)}L{_f(x + d)} {_f(y - d)}" '
        f'stroke="{LINE}" stroke-width="1.6"/>'
    )


def _arrow_sample(x: float, y: float, *, dashed: bool) -> str:
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    return f'<path d="M{_f(x)} {_f(y)}H{_f(x + 36)}" stroke="{LINE}" stroke-width="1.5"{dash}/>' + _arrowhead(
        x + 36, y, 1, 0
    )


def _swatch(level: RiskLevel | None) -> Callable[[float, float], str]:
    def draw(x: float, y: float) -> str:
        return (
            f'<rect x="{_f(x)}" y="{_f(y - 8)}" width="16" height="16" rx="3" fill="{RISK_TINTS[level]}" '
            f'stroke="{RISK_COLORS[level]}" stroke-width="2.5"/>'
        )

    return draw


class _Chart:
    """The swimlane chart: positions first (so the page width is known), then drawing."""

    def __init__(self, flow: Flow, *, risk: bool, top: float) -> None:
        self.flow = flow
        self.risk = risk
        self.top = top
        self.steps: dict[str, Step] = {}
        for step in flow.steps:
            self.steps.setdefault(step.key, step)
        self.gateways: dict[str, Gateway] = {}
        for gateway in flow.gateways:
            if gateway.key not in self.steps and gateway.key != END:
                self.gateways.setdefault(gateway.key, gateway)
        self.lanes = flow.lanes() or ("",)
        self.lane_of = {post: i for i, post in enumerate(self.lanes)}
        self.numbers = _risk_numbers(flow) if risk else {}
        self.nodes: dict[str, _Node] = {}
        self.edges: list[_Edge] = []
        self.slots: dict[tuple[str, int], int] = {}
        self.name_lines: dict[str, list[str]] = {}
        self.start: _Node | None = None
        self.end: _Node | None = None
        self.right: float = MARGIN + LANE_LABEL_W + START_W
        self.bottom = top
        self.lane_tops: list[float] = []
        self.lane_heights: list[float] = []
        self.lane_labels = [
            wrap_text(post or UNASSIGNED_LANE, LANE_LABEL_W - 16, LANE_SIZE, balance=True)
            for post in self.lanes
        ]
        self.labels: list[_Label] = []
        self.node_labels: dict[str, list[_Label]] = {}  # start, end, gateways, groups: drawn with them
        self._place_columns()
        self._classify()
        self._size_boxes()
        self._place()
        self._route()
        self._place_labels()

    # columns and routes

    def _order(self) -> list[str]:
        """Steps in display order, each gateway right after the last of its sources (or, when it has
        none drawn yet, before the first of its targets), so its forward edges point the right way."""
        order = list(self.steps)
        pending = list(self.gateways)
        transitions = self.flow.transitions
        while pending:
            for key in pending:
                sources = [t.source for t in transitions if t.target == key and t.source != key]
                if sources and all(source in order or source not in self.gateways for source in sources):
                    known = [order.index(source) for source in sources if source in order]
                    order.insert(max(known, default=-1) + 1, key)
                    break
            else:  # only gateways fed by other pending gateways, or by none: the first goes before its targets
                key = pending[0]
                targets = [
                    order.index(t.target) for t in transitions if t.source == key and t.target in order
                ]
                order.insert(min(targets, default=len(order)), key)
            pending.remove(key)
        return order

    def _place_columns(self) -> None:
        order = self._order()
        index = {key: i for i, key in enumerate(order)}
        preds: dict[str, list[str]] = {key: [] for key in order}
        succs: dict[str, list[str]] = {key: [] for key in order}
        for transition in self.flow.transitions:
            source, target = transition.source, transition.target
            if source in index and target in index and index[target] > index[source]:
                preds[target].append(source)
                succs[source].append(target)
        taken: set[tuple[int, int]] = set()
        previous = -1
        for key in order:
            step = self.steps.get(key)
            if step is not None:
                lane = self.lane_of[step.post]
            else:  # a gateway: in the lane of its first source, or else of its first target step
                near = [self.nodes[p].lane for p in preds[key]]
                near += [self.lane_of[self.steps[t].post] for t in succs[key] if t in self.steps]
                lane = near[0] if near else 0
            col = max((self.nodes[p].col + 1 for p in preds[key]), default=previous + 1)
            while (lane, col) in taken:  # two nodes of one lane never share a cell
                col += 1
            taken.add((lane, col))
            self.nodes[key] = _Node(key, lane, col, "step" if step is not None else "gateway")
            previous = col
        if self.flow.steps:
            first = self.nodes[self.flow.start]
            self.start = _Node("start", first.lane, -1, "start")
        self.columns = max((node.col for node in self.nodes.values()), default=-1) + 1
        self.occupied = {(node.lane, node.col) for node in self.nodes.values()}

    def _classify(self) -> None:
        if self.start is not None:
            first = self.nodes[self.flow.start]
            self.edges.append(_Edge(-1, None, "forward", self.start, first, ""))
        for i, transition in enumerate(self.flow.transitions):
            source = self.nodes.get(transition.source)
            if source is None:
                continue  # validation reports it; there is nothing to draw it from
            label = _transition_label(transition, self.steps.get(transition.source))
            target = None if transition.target == END else self.nodes.get(transition.target)
            if transition.target == END and transition.kind not in _TERMINAL_KINDS:
                if self.end is None:
                    self.end = _Node("end", source.lane, self.columns, "end")
                self.edges.append(_Edge(i, transition, "forward", source, self.end, label))
            elif target is None:
                self.edges.append(_Edge(i, transition, "terminal", source, None, label or transition.target))
            elif target is source:
                self.edges.append(_Edge(i, transition, "loop", source, target, label))
            elif target.col > source.col:
                self.edges.append(_Edge(i, transition, "forward", source, target, label))
            elif target.lane == source.lane:
                self.edges.append(_Edge(i, transition, "arc", source, target, label))
            else:
                self.edges.append(_Edge(i, transition, "cross", source, target, label))
        if self.end is not None:
            # the bullseye goes in the lane of the last step that ends the case normally
            last = [edge.source for edge in self.edges if edge.target is self.end][-1]
            self.end.lane = last.lane
            self.occupied.add((self.end.lane, self.end.col))
        arcs = sorted(
            (edge for edge in self.edges if edge.route == "arc"),
            key=lambda edge: (edge.source.col - self._target(edge).col, edge.source.col, edge.index),
        )
        placed: list[_Edge] = []
        for edge in arcs:  # an arc rises above every shorter arc it overlaps
            low, high = self._target(edge).col, edge.source.col
            edge.level = 1 + max(
                (
                    other.level
                    for other in placed
                    if other.source.lane == edge.source.lane
                    and self._target(other).col <= high
                    and low <= other.source.col
                ),
                default=0,
            )
            placed.append(edge)
        labels = [text_width(e.label, SMALL_SIZE) for e in self.edges if e.route == "forward" and e.label]
        self.gap = max(64.0, min(max(labels, default=0.0), 5 * SMALL_SIZE) + 32)
        for edge in self.edges:
            if edge.route == "forward":
                edge_label_width = self.gap - 26
            elif edge.route in ("terminal", "cross"):
                edge_label_width = min(self.gap - 8, 5 * SMALL_SIZE)
            else:
                edge_label_width = 8 * SMALL_SIZE
            timer = _timer_text(edge.transition) if edge.transition is not None else ""
            rest = edge.label.removeprefix(timer).removeprefix("：") if timer else edge.label
            # a timer's time keeps a line of its own ("10个工作日后", then the outcome)
            edge.lines = ([timer + "："] if timer and rest else [timer] if timer else []) + (
                wrap_text(rest, edge_label_width, SMALL_SIZE, balance=True) if rest else []
            )

    @staticmethod
    def _target(edge: _Edge) -> _Node:
        assert edge.target is not None
        return edge.target

    # sizes and positions

    def _name_lines(self, step: Step) -> list[str]:
        if step.key not in self.name_lines:
            self.name_lines[step.key] = wrap_text(step.name or step.key, BOX_W - 16, NAME_SIZE, balance=True)
        return self.name_lines[step.key]

    def _badges(self, step: Step) -> list[str]:
        return [
            name
            for name, on in (
                ("上会", step.meeting),
                ("公示", step.publicity),
                ("不计时", step.suspends_clock),
            )
            if on
        ]

    def _content(self, step: Step) -> tuple[float, float, float, float, float]:
        """Heights of the marker rows, name lines, limit and called-power lines, badge row and the
        kind's symbol row (WAIT, CALL) of one step's box."""
        markers = math.ceil(len(self.numbers.get(step.key, ())) / MARKERS_PER_ROW) * 24
        names = len(self._name_lines(step)) * 19
        lines = 17 * ((step.limit is not None) + bool(self._calls_lines(step)))
        badges = 24 if self._badges(step) else 0
        symbol = 20 if step.kind in (StepKind.WAIT, StepKind.CALL) else 0
        return markers, names, lines, badges, symbol

    def _calls_lines(self, step: Step) -> list[str]:
        if step.kind is not StepKind.CALL or not step.calls:
            return []
        return [f"调用：{step.calls}"]

    def _size_boxes(self) -> None:
        heights = [sum(self._content(step)) for step in self.steps.values()]
        self.box_h = max(56.0, max(heights, default=0.0) + 20)

    def _col_left(self, col: int) -> float:
        return MARGIN + LANE_LABEL_W + START_W + col * (BOX_W + self.gap)

    def _place(self) -> None:
        loops = {edge.source.lane for edge in self.edges if edge.route == "loop"}
        terminal_lines = [0] * len(self.lanes)
        bands = {("top", lane): 0 for lane in range(len(self.lanes))}
        bands.update({("bottom", lane): 0 for lane in range(len(self.lanes))})
        for edge in self.edges:
            if edge.route == "terminal":
                terminal_lines[edge.source.lane] = max(terminal_lines[edge.source.lane], len(edge.lines))
            if edge.route == "forward" and self._free_gap(edge.source, self._target(edge)) is None:
                bands["bottom", edge.source.lane] += 1
            if edge.route == "cross":
                up = self._target(edge).lane < edge.source.lane
                bands["top" if up else "bottom", edge.source.lane] += 1
                bands["bottom" if up else "top", self._target(edge).lane] += 1
        tops, bottoms = [], []
        for lane in range(len(self.lanes)):
            levels = [edge.level for edge in self.edges if edge.route == "arc" and edge.source.lane == lane]
            top = 44.0 if lane in loops else 30.0
            if levels:
                top = max(top, self._arc_height(max(levels)) + 24)
            top = max(top, 24.0 + 6 * bands["top", lane])
            bottom = max(28.0, 30.0 + 6 * bands["bottom", lane]) if bands["bottom", lane] else 28.0
            if terminal_lines[lane]:
                bottom = max(bottom, 56 + 15 * terminal_lines[lane])
            tops.append(top)
            bottoms.append(bottom)
        y = self.top
        for lane in range(len(self.lanes)):
            needed = tops[lane] + self.box_h + bottoms[lane]
            height = max(needed, len(self.lane_labels[lane]) * 19 + 24)
            self.lane_tops.append(y)
            self.lane_heights.append(height)
            box_top = y + tops[lane] + (height - needed) / 2
            for node in self.nodes.values():
                if node.lane == lane and node.kind == "gateway":
                    node.x, node.y = self._col_left(node.col) + (BOX_W - GATEWAY_W) / 2, box_top
                    node.y += (self.box_h - GATEWAY_W) / 2
                    node.w = node.h = GATEWAY_W
                elif node.lane == lane:
                    node.x, node.y, node.w, node.h = self._col_left(node.col), box_top, BOX_W, self.box_h
            for circle, r in ((self.start, 12.0), (self.end, 13.0)):
                if circle is not None and circle.lane == lane:
                    cx = (
                        self._col_left(0) - START_W / 2
                        if circle is self.start
                        else self._col_left(circle.col) + 28
                    )
                    circle.x, circle.y, circle.w, circle.h = (
                        cx - r,
                        box_top + self.box_h / 2 - r,
                        2 * r,
                        2 * r,
                    )
            y += height
        self.bottom = y
        self.right = self._col_left(self.columns) - self.gap + 24
        if self.end is not None:
            self.right = self.end.right + 48
        for edge in self.edges:  # a self-loop's label stands out to the right of its box
            if edge.route == "loop" and edge.lines:
                widest = max(text_width(line, SMALL_SIZE) for line in edge.lines)
                self.right = max(self.right, edge.source.right + widest + 8)
        self._assign_ports()

    @staticmethod
    def _arc_height(level: int) -> float:
        return 26 + 22 * (level - 1)

    def _assign_ports(self) -> None:
        sides: dict[tuple[_Node, str], list[tuple[tuple[int, int, int], _Edge, str]]] = {}

        def add(node: _Node, side: str, sort: tuple[int, int, int], edge: _Edge, port: str) -> None:
            sides.setdefault((node, side), []).append((sort, edge, port))

        for edge in self.edges:
            s, t = edge.source, edge.target
            if edge.route == "forward":
                assert t is not None
                add(s, "right", (t.lane, t.col, edge.index), edge, "sy")
                # by where the edge comes from: lanes above, this lane, then under the source's boxes
                under = self._free_gap(s, t) is None
                add(t, "left", (2 * s.lane + under, s.col, edge.index), edge, "ty")
            elif edge.route == "arc":
                assert t is not None
                add(s, "top_out", (-t.col, 0, edge.index), edge, "sx")
                add(t, "top_in", (-s.col, 0, edge.index), edge, "tx")
            elif edge.route == "cross":
                assert t is not None
                if t.lane < s.lane:
                    add(s, "top_out", (-t.col, 1, edge.index), edge, "sx")
                    add(t, "bottom_in", (s.col, 0, edge.index), edge, "tx")
                else:
                    add(s, "bottom_out", (t.col, 0, edge.index), edge, "sx")
                    add(t, "top_in", (-s.col, 1, edge.index), edge, "tx")
            elif edge.route == "terminal":
                add(s, "terminal", (edge.index, 0, 0), edge, "sx")
        for (node, side), items in sides.items():
            items.sort(key=lambda item: item[0])
            n = len(items)
            if node.kind != "step":  # circles and diamonds: every line at a vertex
                spots = [node.cy if side in ("right", "left") else node.cx] * n
            elif side in ("right", "left"):
                if node in (self.start, self.end):
                    spots = [node.cy] * n
                else:
                    spots = [node.cy] if n == 1 else _spread(n, node.y + node.h * 0.3, node.y + node.h * 0.85)
            elif side == "top_out":
                spots = _spread(n, node.x + node.w * 0.08, node.x + node.w * 0.4)
            elif side == "top_in":
                spots = _spread(n, node.x + node.w * 0.5, node.x + node.w * 0.68)
            elif side == "bottom_out":
                spots = _spread(n, node.x + node.w * 0.06, node.x + node.w * 0.2)
            elif side == "bottom_in":
                spots = _spread(n, node.x + node.w * 0.8, node.x + node.w * 0.94)
            else:
                spacing = max(text_width(edge.label, SMALL_SIZE) for _, edge, _ in items) + 12
                spacing = min(max(spacing, 44.0), 5 * SMALL_SIZE + 12)
                spots = [node.cx + (i - (n - 1) / 2) * spacing for i in range(n)]
            for (_, edge, port), spot in zip(items, spots, strict=True):
                edge.ports[port] = spot
        for (node, side), items in sides.items():
            # a box's only way in, from the same lane: enter at the height it left, without a jog
            edge = items[0][1]
            if side == "left" and len(items) == 1 and node.kind == "step" and edge.source.lane == node.lane:
                edge.ports["ty"] = edge.ports["sy"]

    # drawing

    def _slot(self, key: tuple[str, int]) -> int:
        """How many lines already run along this gap or band (so the next one runs beside them)."""
        slot = self.slots.get(key, 0)
        self.slots[key] = slot + 1
        return slot

    def _blocked(self, lane: int, first: int, stop: int) -> bool:
        return any((lane, col) in self.occupied for col in range(first, stop))

    def _free_gap(self, s: _Node, t: _Node) -> int | None:
        """The first gap column a forward edge can go up or down in, the lanes clear on either side."""
        for g in range(s.col, t.col):
            if not self._blocked(s.lane, s.col + 1, g + 1) and not self._blocked(t.lane, g + 1, t.col):
                return g
        return None

    def _route_forward(self, edge: _Edge) -> list[tuple[float, float]]:
        """A forward edge: right out of the source, down or up in the first gap from which both the
        source's and the target's lane are free of boxes up to the target, then right into it."""
        s, t = edge.source, self._target(edge)
        sx, sy, tx, ty = s.right, edge.ports["sy"], t.x, edge.ports["ty"]
        if s.lane == t.lane and not self._blocked(s.lane, s.col + 1, t.col):
            return [(sx, sy), (tx - 16, sy), (tx - 16, ty), (tx, ty)]
        g = self._free_gap(s, t)
        if g is not None:
            xv = self._col_left(g) + BOX_W + self.gap - 14 - 8 * self._slot(("forward", g))
            return [(sx, sy), (xv, sy), (xv, ty), (tx, ty)]
        # every gap is blocked (a post's boxes on both sides): leave under the source's lane
        y = s.bottom + 14 + 6 * self._slot(("bottom", s.lane))
        xv = self._col_left(t.col) - 16 - 8 * self._slot(("forward", t.col - 1))
        return [(sx, sy), (sx + 12, sy), (sx + 12, y), (xv, y), (xv, ty), (tx, ty)]

    def _route_cross(self, edge: _Edge) -> list[tuple[float, float]]:
        """A back edge to another lane: out of the source into the band between its box and the lane's
        edge, along it to the gap right of the target's column, through the lanes there, then along the
        target lane's band into the target; it never crosses a box."""
        s, t = edge.source, self._target(edge)
        sx, tx = edge.ports["sx"], edge.ports["tx"]
        xv = self._col_left(t.col) + BOX_W + 12 + 8 * self._slot(("back", t.col))
        if t.lane < s.lane:
            y1 = s.y - 12 - 6 * self._slot(("top", s.lane))
            y2 = t.bottom + 12 + 6 * self._slot(("bottom", t.lane))
            return [(sx, s.y), (sx, y1), (xv, y1), (xv, y2), (tx, y2), (tx, t.bottom)]
        y1 = s.bottom + 12 + 6 * self._slot(("bottom", s.lane))
        y2 = t.y - 12 - 6 * self._slot(("top", t.lane))
        return [(sx, s.bottom), (sx, y1), (xv, y1), (xv, y2), (tx, y2), (tx, t.y)]

    def _route(self) -> None:
        """Every edge's line and arrowhead, and its label's candidate places; then the group frames."""
        self.slots = {}
        self.edge_labels: dict[int, _Label] = {}
        self.terminals: dict[int, tuple[float, float, float]] = {}  # edge index → the crossed circle
        for edge in self.edges:
            candidates = self._route_edge(edge)
            if edge.lines:
                label = _Label(edge.lines, SMALL_SIZE, 15, [], anchor=edge.points[len(edge.points) // 2])
                label.candidates = [c(label) for c in candidates] + self._along(edge.points, label)
                self.edge_labels[edge.index] = label
        self.frames: list[tuple[str, tuple[float, float, float, float]]] = []
        for name in dict.fromkeys(step.group for step in self.steps.values() if step.group):
            members = [self.nodes[key] for key, step in self.steps.items() if step.group == name]
            box = (
                min(node.x for node in members) - 10,
                min(node.y for node in members) - 24,
                max(node.right for node in members) + 10,
                max(node.bottom for node in members) + 10,
            )
            self.frames.append((name, box))

    def _route_edge(self, edge: _Edge) -> list[Callable[[_Label], tuple[float, float]]]:
        """Sets the edge's line; returns where its label would best go (top-left corners, given the
        label's size), best first."""
        s = edge.source
        n = len(edge.lines)
        if edge.route in ("forward", "cross"):
            points = self._route_forward(edge) if edge.route == "forward" else self._route_cross(edge)
            edge.d, edge.points = _rounded(points), points
            (px, py), (x, y) = points[-2], points[-1]
            edge.head = (x, y, x - px, y - py)
            if edge.route == "forward":
                sy = edge.ports["sy"]
                return [lambda label: (s.right + 6, sy - 3 - label.h)]
            xv, y1, y2 = points[2][0], points[2][1], points[3][1]
            mid = (y1 + y2) / 2
            return [
                lambda label: (xv + 5, mid - label.h / 2),
                lambda label: (xv - 5 - label.w, mid - label.h / 2),
            ]
        if edge.route == "terminal":
            x0, cy, r = edge.ports["sx"], s.bottom + 30, 8.0
            edge.d = f"M{_f(x0)} {_f(s.bottom)}V{_f(cy - r - 1)}"
            edge.points = [(x0, s.bottom), (x0, cy - r - 1)]
            edge.head = (x0, cy - r - 1, 0.0, 1.0)
            self.terminals[edge.index] = (x0, cy, r)
            return [
                lambda label: label.centred(x0, cy + r + 3),
                lambda label: (x0 + r + 4, cy - label.h / 2),
                lambda label: (x0 - r - 4 - label.w, cy - label.h / 2),
            ]
        if edge.route == "loop":
            # a hump on the top edge's right end, clear of the arc ports and of the right side's exits
            x0, x1, lift = s.right - 10, s.right - 36, 36.0
            curve = ((x0, s.y), (x0, s.y - lift), (x1, s.y - lift), (x1, s.y))
            edge.d = "M{} {}C{} {} {} {} {} {}".format(*(_f(v) for p in curve for v in p))
            edge.points = _sample(curve)
            edge.head = (x1, s.y, 0.0, 1.0)
            peak = s.y - lift * 3 / 4
            return [
                lambda label: (s.right, s.y - 16 - 15 * (n - 1) - TEXT_ASCENT * SMALL_SIZE),
                lambda label: label.centred((x0 + x1) / 2, peak - 3 - label.h),
                lambda label: (x0 + 4, peak - label.h - 3),
            ]
        # an arc back along one lane, over the boxes between
        t = self._target(edge)
        sx, tx = edge.ports["sx"], edge.ports["tx"]
        height = self._arc_height(edge.level)
        lift = height * 4 / 3  # a cubic with both handles at one height peaks at 3/4 of it
        curve = ((sx, s.y), (sx, s.y - lift), (tx, t.y - lift), (tx, t.y))
        edge.d = "M{} {}C{} {} {} {} {} {}".format(*(_f(v) for p in curve for v in p))
        edge.points = _sample(curve)
        edge.head = (tx, t.y, 0.0, 1.0)
        peak = s.y - height
        return [
            lambda label: label.centred((sx + tx) / 2, peak - 3 - label.h),
            lambda label: label.centred((sx + tx) / 2, peak + 3),
            lambda label: (min(sx, tx) + 6, peak + 3),
            lambda label: (max(sx, tx) - 6 - label.w, peak + 3),
        ]

    @staticmethod
    def _along(points: Sequence[tuple[float, float]], label: _Label) -> list[tuple[float, float]]:
        """Places beside each straight run of a line: above and below a level one, either side of an
        upright one, at its middle first."""
        found: list[tuple[float, float]] = []
        w, h = label.w, label.h
        for (ax, ay), (bx, by) in itertools.pairwise(points):
            if math.dist((ax, ay), (bx, by)) < 12 or (ax != bx and ay != by):
                continue
            for share in (0.5, 0.3, 0.7, 0.12, 0.88):
                x, y = ax + (bx - ax) * share, ay + (by - ay) * share
                if ay == by:
                    found += [(x - w / 2, y - 3 - h), (x - w / 2, y + 3)]
                else:
                    found += [(x + 5, y - h / 2), (x - 5 - w, y - h / 2)]
        return found

    def _all_nodes(self) -> list[_Node]:
        return [*self.nodes.values(), *(node for node in (self.start, self.end) if node is not None)]

    def _place_labels(self) -> None:
        """Every label where it overlaps no box, circle or other label, and where the fewest lines run
        through it: its best free candidate, or else the nearest free place around it."""
        pad = 3.0
        obstacles = [
            (node.x - pad, node.y - pad, node.right + pad, node.bottom + pad) for node in self._all_nodes()
        ]
        obstacles += [
            (x - r - pad, y - r - pad, x + r + pad, y + r + pad) for x, y, r in self.terminals.values()
        ]
        segments = [
            (min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]), a, b)
            for edge in self.edges
            for a, b in itertools.pairwise(edge.points)
        ]
        area = (MARGIN + LANE_LABEL_W + 4, self.top + 2, math.inf, self.bottom - 2)
        for node, name in ((self.start, "开始"), (self.end, "办结")):
            if node is not None:
                label = _Label([name], SMALL_SIZE, 15, [], (node.cx, node.bottom), halo=False)
                label.candidates = [
                    label.centred(node.cx, node.bottom + 3),
                    label.centred(node.cx, node.y - 3 - label.h),
                    (node.right + 4, node.cy - label.h / 2)
                    if node is self.end
                    else (node.x - 4 - label.w, node.cy - label.h / 2),
                ]
                self.node_labels[node.key] = [label]
        for key, gateway in self.gateways.items():
            node = self.nodes[key]
            if gateway.name:
                lines = wrap_text(gateway.name, BOX_W, SMALL_SIZE, balance=True)
                label = _Label(lines, SMALL_SIZE, 15, [], (node.cx, node.bottom), halo=True)
                label.candidates = [
                    label.centred(node.cx, node.bottom + 3),
                    label.centred(node.cx, node.y - 3 - label.h),
                ]
                self.node_labels[key] = [label]
        for i, (name, (left, top, right, bottom)) in enumerate(self.frames):
            lines = wrap_text(name, right - left - 12, SMALL_SIZE)
            label = _Label(lines, SMALL_SIZE, 15, [], (left, top), halo=True)
            label.candidates = [
                (left + 6, top + 3),
                (right - 6 - label.w, top + 3),
                (left + 6, top - 3 - label.h),
                (left + 6, bottom + 3),
            ]
            self.node_labels[f"frame-{i}"] = [label]
        placed: list[tuple[float, float, float, float]] = []
        labels = [label for group in self.node_labels.values() for label in group]
        labels += list(self.edge_labels.values())
        for label in labels:
            label.box = self._choose(label, area, obstacles + placed, segments)
            placed.append(label.box)
        if labels:
            self.right = max(self.right, max(label.box[2] for label in labels) + 8)

    @staticmethod
    def _choose(
        label: _Label,
        area: tuple[float, float, float, float],
        taken: list[tuple[float, float, float, float]],
        segments: list[tuple[float, float, float, float, tuple[float, float], tuple[float, float]]],
    ) -> tuple[float, float, float, float]:
        w, h = label.w, label.h
        ax, ay = label.anchor

        def around() -> Iterable[tuple[float, float]]:
            for radius in range(10, 400, 10):
                for k in range(-radius, radius + 1, 10):
                    for dx, dy in ((k, -radius), (k, radius), (-radius, k), (radius, k)):
                        yield ax + dx - w / 2, ay + dy - h / 2

        best: tuple[float, float, float, float] | None = None
        best_cost = math.inf
        for i, (x, y) in enumerate(itertools.chain(label.candidates, around())):
            if best is not None and i > len(label.candidates) + 400:
                break
            box = (x, y, x + w, y + h)
            if x < area[0] or y < area[1] or box[3] > area[3]:
                continue
            if any(_meets(box, other) for other in taken):
                continue
            crossing = sum(
                1
                for left, top, right, bottom, a, b in segments
                if left < box[2]
                and right > box[0]
                and top < box[3]
                and bottom > box[1]
                and _crosses(box, a, b)
            )
            cost = crossing * 10000 + i
            if cost < best_cost:
                best, best_cost = box, cost
                if not crossing:
                    break
        if best is None:  # nowhere free inside: out to the right of everything
            x = max(other[2] for other in taken) + 8
            best = (x, ay - h / 2, x + w, ay + h / 2)
        return best

    def _edge_group(self, edge: _Edge) -> str:
        transition = edge.transition
        kind = transition.kind if transition is not None else TransitionKind.NEXT
        dashed = kind in _DASHED_KINDS or edge.route in ("arc", "cross")
        attrs = f'class="transition transition-{kind.value} route-{edge.route}"'
        if transition is not None:
            attrs += (
                f" data-source={_attr(transition.source)} data-target={_attr(transition.target)}"
                f" data-outcome={_attr(transition.outcome)}"
            )
            if transition.after is not None:
                attrs += ' data-timer="true"'
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        return (
            f'<g {attrs}><path d="{edge.d}" fill="none" stroke="{LINE}" stroke-width="1.5"{dash}/>'
            f"{_arrowhead(*edge.head)}</g>"
        )

    def _step_svg(self, step: Step) -> str:
        node = self.nodes[step.key]
        numbers = self.numbers.get(step.key, [])
        level = _highest(level for _, level in numbers)
        attrs = f"id={_attr(step_id(step.key))} class={_attr('step step-' + step.kind.value)}"
        attrs += f" data-step={_attr(step.key)} data-kind={_attr(step.kind.value)}"
        if step.group:
            attrs += f" data-group={_attr(step.group)}"
        if self.risk:
            attrs += f' data-risk-level="{level.value if level else "none"}"'
            fill, stroke, width = RISK_TINTS[level], RISK_COLORS[level], 2.5
        else:
            fill, stroke, width = "#fff", LINE, 1.5
        if step.kind is StepKind.CALL:
            width = 4.0  # a call activity's thick border (BPMN)
        tooltip = "，".join(
            part
            for part in (
                step.name,
                step.post or UNASSIGNED_LANE,
                limit_text(step.limit) if step.limit else "",
                f"调用{step.calls}的流程" if step.kind is StepKind.CALL and step.calls else "",
                step.note,
            )
            if part
        )
        parts = [
            f"<g {attrs}><title>{_esc(tooltip)}</title>",
            f'<rect x="{_f(node.x)}" y="{_f(node.y)}" width="{_f(node.w)}" height="{_f(node.h)}" rx="8" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{_f(width)}"/>',
        ]
        y = node.y + (node.h - sum(self._content(step))) / 2
        for row in range(0, len(numbers), MARKERS_PER_ROW):
            chunk = numbers[row : row + MARKERS_PER_ROW]
            for i, (number, risk_level) in enumerate(chunk):
                x = node.cx + (i - (len(chunk) - 1) / 2) * 24
                parts.append(_marker(x, y + 12, number, risk_level))
            y += 24
        name_lines = self._name_lines(step)
        parts.append(_text(node.cx, y + 14.5, name_lines, size=NAME_SIZE, line_height=19, bold=True))
        y += len(name_lines) * 19
        for line in ([limit_text(step.limit)] if step.limit is not None else []) + self._calls_lines(step):
            parts.append(_text(node.cx, y + 13, [line], size=SMALL_SIZE, fill="#444"))
            y += 17
        badge_names = self._badges(step)
        widths = [text_width(name, SMALL_SIZE) + 12 for name in badge_names]
        x = node.cx - (sum(widths) + 4 * (len(widths) - 1)) / 2
        for name, w in zip(badge_names, widths, strict=True):
            parts.append(
                f'<g class="badge"><rect x="{_f(x)}" y="{_f(y + 3)}" width="{_f(w)}" height="18" rx="9" '
                f'fill="#fff" stroke="{LINE}" stroke-width="1"/>'
                + _text(x + w / 2, y + 16.5, [name], size=SMALL_SIZE)
                + "</g>"
            )
            x += w + 4
        if badge_names:
            y += 24
        if step.kind is StepKind.WAIT:
            parts.append(_hourglass(node.cx, y + 3))
        elif step.kind is StepKind.CALL:
            parts.append(_call_marker(node.cx, y + 3))
        parts.append("</g>")
        return "".join(parts)

    def _gateway_svg(self, gateway: Gateway) -> str:
        node = self.nodes[gateway.key]
        cx, cy, r = node.cx, node.cy, node.w / 2
        points = f"{_f(cx)},{_f(node.y)} {_f(node.right)},{_f(cy)} {_f(cx)},{_f(node.bottom)} {_f(node.x)},{_f(cy)}"
        name = gateway.name or f"{GATEWAY_KIND_NAMES[gateway.kind]}网关"
        arm = r * 0.45
        parts = [
            f'<g id={_attr(gateway_id(gateway.key))} class="gateway gateway-{gateway.kind.value}" '
            f"data-gateway={_attr(gateway.key)}><title>{_esc(name)}</title>",
            f'<polygon points="{points}" fill="#fff" stroke="{LINE}" stroke-width="1.5"/>',
            f'<path d="M{_f(cx - arm)} {_f(cy)}H{_f(cx + arm)}M{_f(cx)} {_f(cy - arm)}V{_f(cy + arm)}" '
            f'stroke="{LINE}" stroke-width="3"/>',
        ]
        parts.extend(label.svg() for label in self.node_labels.get(gateway.key, []))
        parts.append("</g>")
        return "".join(parts)

    def svg(self, width: float) -> list[str]:
        parts = ['<g class="lanes">']
        for lane, post in enumerate(self.lanes):
            y, h = self.lane_tops[lane], self.lane_heights[lane]
            shade = "#fafafa" if lane % 2 else "#fff"
            parts.append(
                f'<g class="lane" data-post={_attr(post)}>'
                f'<rect x="{MARGIN}" y="{_f(y)}" width="{_f(width - 2 * MARGIN)}" height="{_f(h)}" '
                f'fill="{shade}" stroke="#999" stroke-width="1"/>'
                f'<rect x="{MARGIN}" y="{_f(y)}" width="{LANE_LABEL_W}" height="{_f(h)}" fill="#eee" '
                f'stroke="#999" stroke-width="1"/>'
            )
            lines = self.lane_labels[lane]
            first = y + h / 2 - (len(lines) - 1) * 9.5 + 5
            parts.append(
                _text(MARGIN + LANE_LABEL_W / 2, first, lines, size=LANE_SIZE, line_height=19, bold=True)
            )
            parts.append("</g>")
        parts.append("</g>")
        if not self.steps:
            y = self.lane_tops[0] + self.lane_heights[0] / 2 + 5
            parts.append(
                _text(self._col_left(0), y, ["尚未定义环节"], size=NAME_SIZE, anchor="start", fill="#666")
            )
            return parts
        for i, (name, (left, top, right, bottom)) in enumerate(self.frames):
            parts.append(
                f'<g class="group" data-group={_attr(name)}><rect x="{_f(left)}" y="{_f(top)}" '
                f'width="{_f(right - left)}" height="{_f(bottom - top)}" rx="12" fill="none" stroke="#666" '
                f'stroke-width="1.2" stroke-dasharray="8 4"/>'
                + "".join(label.svg() for label in self.node_labels[f"frame-{i}"])
                + "</g>"
            )
        parts.append('<g class="transitions">')
        parts.extend(self._edge_group(edge) for edge in self.edges)
        parts.append("</g>")
        for edge in self.edges:
            if edge.index in self.terminals:
                x, y, r = self.terminals[edge.index]
                label = self.edge_labels.get(edge.index)
                parts.append(
                    f'<g class="terminal" data-outcome={_attr(edge.transition.outcome if edge.transition else "")}>'
                    + _terminal_circle(x, y, r)
                    + (label.svg() if label else "")
                    + "</g>"
                )
        for circle in (self.start, self.end):
            if circle is None:
                continue
            shape = _start_circle if circle is self.start else _end_circle
            parts.append(
                f'<g class="{circle.key}" id="flow-{circle.key}">{shape(circle.cx, circle.cy, circle.w / 2)}'
                + "".join(label.svg() for label in self.node_labels.get(circle.key, []))
                + "</g>"
            )
        parts.append('<g class="steps">')
        parts.extend(self._step_svg(step) for step in self.steps.values())
        parts.extend(self._gateway_svg(gateway) for gateway in self.gateways.values())
        parts.append("</g>")
        parts.append('<g class="transition-labels">')
        parts.extend(label.svg() for index, label in self.edge_labels.items() if index not in self.terminals)
        parts.append("</g>")
        return parts


def _hourglass(x: float, y: float) -> str:
    """The WAIT step's symbol: an hourglass (the case waits for an event or a time)."""
    return (
        f'<path class="wait-marker" d="M{_f(x - 6)} {_f(y)}H{_f(x + 6)}L{_f(x - 6)} {_f(y + 14)}H{_f(x + 6)}Z" '
        f'fill="none" stroke="{LINE}" stroke-width="1.5" stroke-linejoin="round"/>'
    )


def _call_marker(x: float, y: float) -> str:
    """The CALL step's symbol: a boxed "+" (a call activity collapsed, BPMN)."""
    return (
        f'<path class="call-marker" d="M{_f(x - 7)} {_f(y)}h14v14h-14ZM{_f(x - 4)} {_f(y + 7)}h8M{_f(x)} '
        f'{_f(y + 3)}v8" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
    )


def gateway_id(key: str) -> str:
    """The id of a gateway's group in both drawings: "gateway-<key>", whitespace made "_"."""
    return "gateway-" + re.sub(r"\s", "_", key)


# --- legend and risk table ----------------------------------------------------------------------


def _legend(flow: Flow, *, risk: bool, y: float, width: float) -> tuple[list[str], float]:
    """Symbols on one row, then the case limit and the 分岗设权 groups; returns the parts and the next y."""
    parts = ['<g class="legend">']
    x: float = MARGIN
    cy = y + 10
    symbols: list[tuple[Callable[[float, float], str], float, str]] = [
        (lambda x, y: _start_circle(x + 8, y, 8), 16, "开始"),
        (lambda x, y: _end_circle(x + 9, y, 9), 18, "办结"),
        (lambda x, y: _terminal_circle(x + 8, y, 8), 16, "不予受理/终止"),
        (lambda x, y: _arrow_sample(x, y, dashed=False), 36, "流转"),
        (lambda x, y: _arrow_sample(x, y, dashed=True), 36, "退回/补正/延期"),
    ]
    if risk:
        symbols.extend(
            (_swatch(level), 16, f"{RISK_LEVEL_NAMES[level]}风险" if level else "无风险点")
            for level in (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW, None)
        )
    for draw, symbol_width, name in symbols:
        if x > MARGIN and x + symbol_width + 6 + text_width(name, LEGEND_SIZE) > width - MARGIN:
            x, cy = MARGIN, cy + 24
        parts.append(
            draw(x, cy) + _text(x + symbol_width + 6, cy + 4.5, [name], size=LEGEND_SIZE, anchor="start")
        )
        x += symbol_width + 6 + text_width(name, LEGEND_SIZE) + 18
    y = cy + 16
    notes = [_case_limit_text(flow)]
    for group in flow.separation:
        names = "、".join(step.name if (step := flow.step(key)) else key for key in group.steps)
        notes.append(f"分岗设权：{names}由不同人员办理" + (f"（{group.basis}）" if group.basis else ""))
    for note in notes:
        if not note:
            continue
        lines = wrap_text(note, width - 2 * MARGIN, LEGEND_SIZE)
        parts.append(_text(MARGIN, y + 14, lines, size=LEGEND_SIZE, anchor="start", line_height=18))
        y += 18 * len(lines) + 2
    parts.append("</g>")
    return parts, y


_TABLE_COLUMNS: tuple[tuple[str, float, bool], ...] = (
    # header, minimum width, whether it takes a share of any extra width
    ("编号", 44, False),
    ("环节", 96, True),
    ("风险点", 170, True),
    ("表现形式", 220, True),
    ("等级", 48, False),
    ("防控措施", 280, True),
    ("责任岗位/责任人", 130, True),
)
TABLE_MIN_W = sum(width for _, width, _ in _TABLE_COLUMNS)


def _risk_table(flow: Flow, *, y: float, width: float) -> tuple[list[str], float]:
    parts = [
        '<g class="risk-table">',
        _text(MARGIN, y + 18, ["风险点及防控措施"], size=15, anchor="start", bold=True),
    ]
    y += 30
    spare = width - 2 * MARGIN - TABLE_MIN_W
    flexible = sum(w for _, w, grows in _TABLE_COLUMNS if grows)
    widths = [w + (spare * w / flexible if grows else 0) for _, w, grows in _TABLE_COLUMNS]
    lefts = [MARGIN + sum(widths[:i]) for i in range(len(widths))]
    right = MARGIN + sum(widths)
    top = y
    line_h = 18
    parts.append(f'<rect x="{MARGIN}" y="{_f(y)}" width="{_f(right - MARGIN)}" height="30" fill="#eee"/>')
    for (header, _, _), left, w in zip(_TABLE_COLUMNS, lefts, widths, strict=True):
        lines = wrap_text(header, w - 12, TABLE_SIZE)
        parts.append(_text(left + w / 2, y + 20, lines[:1], size=TABLE_SIZE, bold=True))
    y += 30
    rows: list[tuple[str, list[list[str]], RiskLevel | None, int]] = []
    for number, risk in enumerate(flow.risks, start=1):
        step = flow.step(risk.step)
        who = "\n".join(part for part in (risk.post, risk.person) if part)
        cells = ["", step.name if step else risk.step, risk.point, risk.manifestation, "", risk.measures, who]
        wrapped = [
            wrap_text(cell, w - 12, TABLE_SIZE) if cell else [] for cell, w in zip(cells, widths, strict=True)
        ]
        rows.append((risk.step, wrapped, risk.level, number))
    if not rows:
        parts.append(
            _text(MARGIN + 10, y + 22, ["未列出风险点"], size=TABLE_SIZE, anchor="start", fill="#666")
        )
        y += 34
    for step_key, wrapped, level, number in rows:
        h = max(1, *(len(lines) for lines in wrapped)) * line_h + 14
        parts.append(
            f'<g class="risk-row" data-step={_attr(step_key)} data-risk-level="{level.value if level else "none"}">'
        )
        parts.append(f'<line x1="{MARGIN}" y1="{_f(y)}" x2="{_f(right)}" y2="{_f(y)}" stroke="#999"/>')
        if level is not None:
            parts.append(_marker(lefts[0] + widths[0] / 2, y + 7 + line_h / 2, number, level))
            chip_x = lefts[4] + widths[4] / 2 - 14
            parts.append(
                f'<rect x="{_f(chip_x)}" y="{_f(y + 7)}" width="28" height="{line_h}" rx="4" '
                f'fill="{RISK_COLORS[level]}"/>'
                + _text(
                    chip_x + 14,
                    y + 7 + 13.5,
                    [RISK_LEVEL_NAMES[level]],
                    size=TABLE_SIZE,
                    bold=True,
                    fill=_RISK_INK[level],
                )
            )
        for lines, left in zip(wrapped, lefts, strict=True):
            if lines:
                parts.append(
                    _text(left + 6, y + 7 + 13.5, lines, size=TABLE_SIZE, anchor="start", line_height=line_h)
                )
        parts.append("</g>")
        y += h
    parts.append(
        f'<rect x="{MARGIN}" y="{_f(top)}" width="{_f(right - MARGIN)}" height="{_f(y - top)}" fill="none" '
        f'stroke="#666" stroke-width="1"/>'
    )
    for left in lefts[1:]:
        parts.append(f'<line x1="{_f(left)}" y1="{_f(top)}" x2="{_f(left)}" y2="{_f(y)}" stroke="#999"/>')
    parts.append("</g>")
    return parts, y


# --- the two drawings ---------------------------------------------------------------------------


def _summary(flow: Flow) -> str:
    names = "→".join(step.name for step in flow.steps)
    text = f"{len(flow.steps)}个环节：{names}" if flow.steps else "尚未定义环节"
    limit = _case_limit_text(flow)
    return "。".join(part for part in (text, limit, flow.description) if part)


def _render(flow: Flow, *, heading: str, risk: bool) -> str:
    title_lines = [heading]
    while True:  # the title wraps, never cut; the chart moves down for every extra line
        chart = _Chart(flow, risk=risk, top=MARGIN + TITLE_H + TITLE_LINE * (len(title_lines) - 1))
        width = max(chart.right + MARGIN, 480.0)
        if risk:
            width = max(width, TABLE_MIN_W + 2 * MARGIN)
        width = math.ceil(width)
        wrapped = wrap_text(heading, width - 2 * MARGIN, TITLE_SIZE, balance=True)
        if len(wrapped) <= len(title_lines):
            title_lines = wrapped
            break
        title_lines = wrapped
    body = chart.svg(width)
    legend, y = _legend(flow, risk=risk, y=chart.bottom + 10, width=width)
    body.extend(legend)
    if risk:
        table, y = _risk_table(flow, y=y + 8, width=width)
        body.extend(table)
    height = math.ceil(y + MARGIN)
    kind = "risk-map" if risk else "flow-chart"
    head = (
        f'<svg xmlns="{SVG_NS}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'class="liuquan-{kind}" font-family="{FONT_FAMILY}" font-size="{NAME_SIZE}" fill="{INK}">'
        f"<title>{_esc(heading)}</title><desc>{_esc(_summary(flow))}</desc>"
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        + '<g class="title">'
        + _text(width / 2, MARGIN + 22, title_lines, size=TITLE_SIZE, line_height=TITLE_LINE, bold=True)
        + "</g>"
    )
    return head + "".join(body) + "</svg>\n"


def flow_svg(flow: Flow, *, title: str = "") -> str:
    """The 权力运行流程图 of `flow` as a standalone SVG document (UTF-8 text, no XML declaration, so it
    can also be inlined in HTML). `title` defaults to "<flow name>权力运行流程图"."""
    return _render(flow, heading=title or f"{flow.name}权力运行流程图", risk=False)


def risk_svg(flow: Flow, *, title: str = "") -> str:
    """The 风险防控图 of `flow`: the flow chart with each step coloured by its highest risk level and
    numbered risk markers, then the table of risk points in `flow.risks` order."""
    return _render(flow, heading=title or f"{flow.name}风险防控图", risk=True)
