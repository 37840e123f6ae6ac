"""Export the log as static C2SP tlog-tiles, so auditors can fetch it with standard tooling.

Layout under the output directory (C2SP tlog-tiles.md, tile height 8):
- `checkpoint`: the signed head the tiles are cut at;
- `tile/<L>/<N>[.p/<W>]`: the hashes of tree level 8·L, 256 per full tile (8,192 bytes),
  a partial right-edge tile of width W (1–255) otherwise; N is written in 3-digit groups,
  all but the last prefixed with "x" (1234067 → x001/x234/067);
- `tile/entries/<N>[.p/<W>]`: the leaves, each as a big-endian u16 length and the bytes.
  Bundles holding a record purged by retention are left out (tlog-tiles prunes that way).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from sovgate.audit.log import AuditError, LogReader
from sovgate.audit.note import open_checkpoint

HEIGHT = 8
WIDTH = 1 << HEIGHT


def tile_path(level: int | str, n: int, width: int = WIDTH) -> str:
    """`tile/<level>/<n in x-prefixed 3-digit groups>[.p/<width>]`."""
    groups = [f"{n % 1000:03d}"]
    while n >= 1000:
        n //= 1000
        groups.append(f"x{n % 1000:03d}")
    return f"tile/{level}/{'/'.join(reversed(groups))}" + (f".p/{width}" if width < WIDTH else "")


@dataclass(frozen=True)
class TilesWritten:
    size: int
    hash_tiles: int
    entry_bundles: int
    pruned_bundles: int


def _bundle(leaves: list[bytes]) -> bytes:
    if any(len(leaf) > 0xFFFF for leaf in leaves):
        raise AuditError("a leaf is longer than 65,535 bytes and cannot go into an entry bundle")
    return b"".join(struct.pack(">H", len(leaf)) + leaf for leaf in leaves)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_tiles(log: LogReader, out: Path) -> TilesWritten:
    """Write checkpoint, hash tiles and entry bundles for the current signed head."""
    head = log.store.head()
    if head.note is None:
        raise AuditError("the log has no signed head yet")
    cp = open_checkpoint(head.note, log.verifier())
    size = cp.size
    hash_tiles = bundles = pruned = 0
    level = 0
    while size >> (HEIGHT * level):
        count = size >> (HEIGHT * level)  # hashes at tree level 8·level
        tree_level = HEIGHT * level
        for t in range(0, (count + WIDTH - 1) // WIDTH):
            lo, hi = t * WIDTH, min(count, (t + 1) * WIDTH)
            hashes = log.store.read_nodes([(tree_level, i) for i in range(lo, hi)])
            _write(out / tile_path(level, t, hi - lo), b"".join(hashes))
            hash_tiles += 1
        level += 1
    bundle: list[bytes | None] = []
    expected = 0
    for e in log.store.iter_entries():
        if e.idx >= size:
            break
        if e.idx != expected:
            raise AuditError(f"entry {expected} is missing; run sovgate audit verify")
        expected += 1
        bundle.append(e.payload)
        if len(bundle) == WIDTH or e.idx == size - 1:
            if any(p is None for p in bundle):
                pruned += 1
            else:
                _write(out / tile_path("entries", bundles + pruned, len(bundle)), _bundle(bundle))  # type: ignore[arg-type]
                bundles += 1
            bundle = []
    if expected != size:
        raise AuditError(f"entry {expected} is missing; run sovgate audit verify")
    _write(out / "checkpoint", head.note.encode())
    return TilesWritten(size, hash_tiles, bundles, pruned)
