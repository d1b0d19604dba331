"""Every drawing of every template and demo flow, read back from the SVG: no two texts overlap, no text
sits on a shape it does not belong to, no line into an end event runs through its label, and every text
lies inside the viewBox (pure; no database)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest
from lxml import etree

from liuquan.flows import templates
from liuquan.flows.demo import _extra_risks
from liuquan.flows.diagram import flow_svg, risk_svg, text_width
from liuquan.flows.spec import Flow
from liuquan.powers import demo as powers_demo

SVG = "{http://www.w3.org/2000/svg}"
# Groups whose shapes are nodes of the chart: a text may only sit on the shapes of its own node.
NODE_CLASSES = {"step", "start", "end", "gateway", "terminal", "badge"}
SHAPES = {f"{SVG}rect", f"{SVG}circle", f"{SVG}ellipse", f"{SVG}polygon"}


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def meets(self, other: Box, slack: float = 0.5) -> bool:
        """Whether the two overlap by more than `slack` px both ways (touching is fine)."""
        return (
            min(self.right, other.right) - max(self.left, other.left) > slack
            and min(self.bottom, other.bottom) - max(self.top, other.top) > slack
        )


@dataclass(frozen=True)
class Line:
    """One drawn line of text and its box, by the drawing's own width estimate and a wider one."""

    text: str
    element: etree._Element
    box: Box
    wide: Box  # every character counted 1 em: a conservative box for the viewBox check


def demo_flows() -> dict[str, Flow]:
    """The demo city's flows as `flows.demo.build` makes them (template, item name, extra risks), for
    every item of the seed's lists, kept or not: a superset of the published ones, without a database."""
    rows: list[tuple[str, str]] = [(name, category) for name, category, *_ in powers_demo.JXW]
    for name, category, _basis, kind, _reason, target, _parent in powers_demo.GTJ:
        rows.append((name, target if kind == "reclassify" else category))
    rows += [(name, category) for unit_rows in powers_demo.OTHERS.values() for name, category, _ in unit_rows]
    return {
        f"demo:{name}": _extra_risks(replace(templates.template_for(category), name=name))
        for name, category in rows
    }


def all_flows() -> dict[str, Flow]:
    flows = {
        f"template:{category}": templates.template_for(category) for category in templates.TEMPLATE_CATEGORIES
    }
    return flows | demo_flows()


def _ancestors(node: etree._Element) -> Iterator[etree._Element]:
    parent = node.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


def _classes(node: etree._Element) -> set[str]:
    return set((node.get("class") or "").split())


def _node_group(node: etree._Element) -> etree._Element | None:
    return next((g for g in _ancestors(node) if _classes(g) & NODE_CLASSES), None)


def text_lines(root: etree._Element) -> list[Line]:
    """Each drawn line with its box; a halo (the stroked white copy under a label) is left out."""
    found: list[Line] = []
    for text in root.iter(f"{SVG}text"):
        if text.get("stroke") == "#fff":
            continue
        size = float(text.get("font-size", "15"))
        anchor = text.get("text-anchor", "start")
        x, y = float(text.get("x", "0")), float(text.get("y", "0"))
        spans = text.findall(f"{SVG}tspan")
        lines: list[tuple[float, float, str]] = []
        if spans:
            for span in spans:
                y += float(span.get("dy", "0"))
                lines.append((float(span.get("x", str(x))), y, span.text or ""))
        else:
            lines.append((x, y, text.text or ""))
        for lx, ly, content in lines:
            if not content.strip():
                continue
            boxes = []
            for width in (text_width(content, size), len(content) * size):
                left = lx - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
                boxes.append(Box(left, ly - 0.88 * size, left + width, ly + 0.2 * size))
            found.append(Line(content, text, boxes[0], boxes[1]))
    return found


def shapes(root: etree._Element) -> list[tuple[etree._Element, Box]]:
    """The node shapes (steps, gateways, start, end and terminal events, badges) and their boxes."""
    found = []
    for shape in root.iter(*SHAPES):
        if _node_group(shape) is None:
            continue
        if shape.tag == f"{SVG}rect":
            x, y = float(shape.get("x", "0")), float(shape.get("y", "0"))
            box = Box(x, y, x + float(shape.get("width", "0")), y + float(shape.get("height", "0")))
        elif shape.tag == f"{SVG}polygon":
            values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("points", ""))]
            xs, ys = values[0::2], values[1::2]
            box = Box(min(xs), min(ys), max(xs), max(ys))
        else:
            cx, cy = float(shape.get("cx", "0")), float(shape.get("cy", "0"))
            rx = float(shape.get("rx", shape.get("r", "0")))
            ry = float(shape.get("ry", shape.get("r", "0")))
            box = Box(cx - rx, cy - ry, cx + rx, cy + ry)
        found.append((shape, box))
    return found


def path_points(d: str) -> list[list[tuple[float, float]]]:
    """A path's subpaths as polylines (curves sampled), for the commands the drawing uses."""
    tokens = re.findall(r"[MLHVCQZmlhvcqz]|-?\d+(?:\.\d+)?", d)
    runs: list[list[tuple[float, float]]] = []
    x = y = 0.0
    i = 0
    command = ""
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                continue

        def take(n: int, start: int = i) -> list[float]:
            return [float(v) for v in tokens[start : start + n]]

        if command == "M":
            x, y = take(2)
            runs.append([(x, y)])
            i += 2
        elif command == "L":
            x, y = take(2)
            runs[-1].append((x, y))
            i += 2
        elif command == "H":
            (x,) = take(1)
            runs[-1].append((x, y))
            i += 1
        elif command == "V":
            (y,) = take(1)
            runs[-1].append((x, y))
            i += 1
        elif command in "QC":
            n = 4 if command == "Q" else 6
            coords = take(n)
            controls = [(x, y)] + [(coords[j], coords[j + 1]) for j in range(0, n, 2)]
            for step in range(1, 13):
                t = step / 12
                points = controls
                while len(points) > 1:  # de Casteljau
                    points = [
                        (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
                        for a, b in itertools.pairwise(points)
                    ]
                runs[-1].append(points[0])
            x, y = controls[-1]
            i += n
        else:
            raise AssertionError(f"unexpected path command {command!r} in {d!r}")
    return runs


def crosses(box: Box, a: tuple[float, float], b: tuple[float, float], slack: float = 1.0) -> bool:
    """Whether the segment a–b passes through the box shrunk by `slack` (Liang–Barsky clipping)."""
    left, top, right, bottom = box.left + slack, box.top + slack, box.right - slack, box.bottom - slack
    if left >= right or top >= bottom:
        return False
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - left), (dx, right - a[0]), (-dy, a[1] - top), (dy, bottom - a[1])):
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


def problems(svg: str) -> list[str]:
    """Every overlap, clipped text and line through an end event's label in one drawing."""
    root = etree.fromstring(svg.encode())
    found: list[str] = []
    _, _, view_w, view_h = (float(v) for v in root.get("viewBox", "").split())
    view = Box(0, 0, view_w, view_h)
    lines = text_lines(root)
    for line in lines:
        w = line.wide
        if w.left < view.left or w.top < view.top or w.right > view.right or w.bottom > view.bottom:
            found.append(f"outside the viewBox: {line.text!r} {w}")
    for i, first in enumerate(lines):
        for second in lines[i + 1 :]:
            if first.element is not second.element and first.box.meets(second.box):
                found.append(f"texts overlap: {first.text!r} and {second.text!r}")
    tree = root.getroottree()
    node_shapes = [(shape, box, _node_group(shape)) for shape, box in shapes(root)]
    for line in lines:
        own = {tree.getpath(g) for g in _ancestors(line.element)}
        for _, box, group in node_shapes:
            assert group is not None
            if tree.getpath(group) not in own and line.box.meets(box):
                found.append(f"text on a shape: {line.text!r} on {group.get('class')} {box}")
    # a line into an end event (the bullseye or a crossed circle) never runs through that event's label
    ends = [
        line
        for line in lines
        if (group := _node_group(line.element)) is not None and _classes(group) & {"end", "terminal"}
    ]
    for edge in root.iter(f"{SVG}g"):
        if "transition" not in _classes(edge) or edge.get("data-target") != "end":
            continue
        for path in edge.iter(f"{SVG}path"):
            if path.get("fill") not in (None, "none"):
                continue  # the arrowhead
            for run in path_points(path.get("d", "")):
                for a, b in itertools.pairwise(run):
                    found.extend(
                        f"a line into an end event crosses its label {end.text!r}"
                        for end in ends
                        if crosses(end.box, a, b)
                    )
    heading = root.findtext(f"{SVG}title") or ""
    title = root.find(f"{SVG}g[@class='title']")
    if title is None or "".join(title.itertext()) != heading:
        found.append(f"the title is not drawn whole: {heading!r}")
    found.extend(f"a text is cut short: {line.text!r}" for line in lines if line.text.endswith("…"))
    return sorted(set(found))


def crossings(svg: str) -> list[str]:
    """Every transition label a transition's line runs through (its own included)."""
    root = etree.fromstring(svg.encode())
    labels = [
        line
        for line in text_lines(root)
        if any("transition-labels" in _classes(g) or "label" in _classes(g) for g in _ancestors(line.element))
    ]
    found: list[str] = []
    for edge in root.iter(f"{SVG}g"):
        if "transition" not in _classes(edge):
            continue
        for path in edge.iter(f"{SVG}path"):
            if path.get("fill") not in (None, "none"):
                continue
            for run in path_points(path.get("d", "")):
                for a, b in itertools.pairwise(run):
                    found.extend(
                        f"{edge.get('data-source')}->{edge.get('data-target')} crosses {line.text!r}"
                        for line in labels
                        if crosses(line.box, a, b)
                    )
    return sorted(set(found))


FLOWS = all_flows()


@pytest.mark.parametrize("key", sorted(FLOWS))
def test_no_label_overlaps_anything_and_all_text_is_inside_the_picture(key: str) -> None:
    flow = FLOWS[key]
    for drawing in (flow_svg(flow), risk_svg(flow)):
        assert problems(drawing) == []
        assert crossings(drawing) == []  # no label has a line through it, its own included


def test_the_check_sees_what_it_is_meant_to_see() -> None:
    # given a drawing with two labels on one spot, a text past the edge and one on a step's box
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><title>图</title>'
        '<g class="title"><text x="180" y="15" font-size="12">图</text></g>'
        '<g class="step"><rect x="100" y="10" width="60" height="40"/><text x="130" y="30">审查</text></g>'
        '<text x="10" y="30" font-size="12">批准延期</text><text x="20" y="32" font-size="12">不予延期</text>'
        '<text x="150" y="90" font-size="12">一二三四五</text>'
        '<text x="110" y="45" font-size="12">ab</text>'
        "</svg>"
    )
    # then each is reported, and the step's own name is not
    found = problems(svg)
    assert "texts overlap: '批准延期' and '不予延期'" in found
    assert any(p.startswith("outside the viewBox: '一二三四五'") for p in found)
    assert any(p.startswith("text on a shape: 'ab'") for p in found)
    assert not any("'审查'" in p for p in found)
    assert len(found) == 3
