"""Where a perfect-subtree hash lives in storage (pure; no Django).

The tree is stored in tiles, as Tessera and Sunlight do, but with every level inside a tile kept: tile
(t, T) holds the hashes of levels 8t..8t+7 under the 256 nodes T·256..T·256+255 of level 8t — 510 hashes
in a fixed layout (level 8t first, then 8t+1, …). Appending a million leaves writes about 4,000 rows
instead of two million, and any subtree hash is a slice of one row, so a proof at any size reads at
most two tiles per tile level in one query and hashes nothing.
"""

from __future__ import annotations

HEIGHT = 8
WIDTH = 1 << HEIGHT  # nodes of a tile's lowest level
HASH_SIZE = 32
# First slot of each level inside a tile: 0, 256, 384, 448, …
LEVEL_OFFSET = tuple(sum(WIDTH >> k for k in range(r)) for r in range(HEIGHT))
SLOTS = sum(WIDTH >> r for r in range(HEIGHT))  # 510
TILE_BYTES = SLOTS * HASH_SIZE
KEY_SHIFT = 56  # key = tile level << 56 | tile index


def locate(level: int, index: int) -> tuple[int, int]:
    """(tile key, byte offset) of the hash of perfect subtree `index` at `level`."""
    tile_level, sub = divmod(level, HEIGHT)
    per_tile = WIDTH >> sub
    tile_index, within = divmod(index, per_tile)
    return (tile_level << KEY_SHIFT) | tile_index, (LEVEL_OFFSET[sub] + within) * HASH_SIZE


def describe(key: int) -> str:
    return f"tile {key >> KEY_SHIFT}/{key & ((1 << KEY_SHIFT) - 1)}"


def place_runs(runs: list[tuple[int, int, list[bytes]]]) -> list[tuple[int, int, bytes]]:
    """Turn runs of new subtree hashes ``(level, first index, hashes)`` into tile writes
    ``(tile key, byte offset, bytes)``: one contiguous slice per tile and level."""
    pieces: list[tuple[int, int, bytes]] = []
    for level, start, hashes in runs:
        tile_level, sub = divmod(level, HEIGHT)
        per_tile = WIDTH >> sub
        done = 0
        while done < len(hashes):
            tile_index, within = divmod(start + done, per_tile)
            count = min(per_tile - within, len(hashes) - done)
            key = (tile_level << KEY_SHIFT) | tile_index
            pieces.append(
                (key, (LEVEL_OFFSET[sub] + within) * HASH_SIZE, b"".join(hashes[done : done + count]))
            )
            done += count
    return pieces
