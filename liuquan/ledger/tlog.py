"""The log served as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): checkpoint, hash tiles and entry
bundles at the standard paths, so standard transparency-log clients and witnesses read it without liuquan.

Paths under the log's prefix (here /ledger/log/):
    checkpoint                     the newest signed checkpoint (a signed note)
    tile/<L>/<N>[.p/<W>]           hash tile: the hashes of tree level 8·L, nodes 256·N … 256·N + W − 1
    tile/entries/<N>[.p/<W>]       entry bundle: entries 256·N …, each as a 2-byte length and its bytes
<N> is written in groups of three digits, every group but the last prefixed with "x" (1234067 is
x001/x234/067). A full tile (256 items) never changes; a partial one (.p/<W>) is valid for every tree
that has at least W items at that place. This module is pure: parsing and encoding only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WIDTH = 256
_INDEX = re.compile(r"^(?:x\d{3}/)*\d{3}$")


@dataclass(frozen=True)
class TilePath:
    level: int | None  # None: an entry bundle
    index: int
    width: int  # 1..256; 256 for a full tile


def encode_index(index: int) -> str:
    digits = str(index)
    digits = digits.zfill(-(-len(digits) // 3) * 3)
    groups = [digits[position : position + 3] for position in range(0, len(digits), 3)]
    return "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])


def tile_path(level: int | None, index: int, width: int = WIDTH) -> str:
    head = "tile/entries" if level is None else f"tile/{level}"
    tail = "" if width == WIDTH else f".p/{width}"
    return f"{head}/{encode_index(index)}{tail}"


def parse(path: str) -> TilePath:
    """A tile path (after tile/) as the spec writes it; ValueError for anything else."""
    head, _, rest = path.partition("/")
    if head == "entries":
        level = None
    elif head.isdigit() and len(head) <= 2 and int(head) < 64:
        level = int(head)
    else:
        raise ValueError(f"not a tile level: {head!r}")
    width = WIDTH
    if ".p/" in rest:
        rest, _, partial = rest.partition(".p/")
        if not partial.isdigit() or not 1 <= int(partial) < WIDTH or partial != str(int(partial)):
            raise ValueError(f"not a partial tile width: {partial!r}")
        width = int(partial)
    if not _INDEX.match(rest):
        raise ValueError(f"not a tile index: {rest!r}")
    groups = rest.replace("x", "").split("/")
    if len(groups) > 1 and groups[0] == "000":
        raise ValueError(f"tile index has a leading zero group: {rest!r}")
    return TilePath(level, int("".join(groups)), width)


def bundle(entries: list[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian 16-bit length and its bytes (entries are ≤ 64 KiB)."""
    out = bytearray()
    for data in entries:
        if len(data) >= 1 << 16:
            raise ValueError("an entry of 64 KiB or more does not fit a tlog-tiles bundle")
        out += len(data).to_bytes(2, "big") + data
    return bytes(out)


def unbundle(data: bytes) -> list[bytes]:
    entries, position = [], 0
    while position < len(data):
        if position + 2 > len(data):
            raise ValueError("truncated entry bundle")
        length = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + length > len(data):
            raise ValueError("truncated entry bundle")
        entries.append(data[position : position + length])
        position += length
    return entries
