"""Static C2SP tlog-tiles export, read back with code written from the spec."""

from __future__ import annotations

import base64
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from audit_cases import rec
from audit_reference import ref_leaf_hash, ref_mth

from sovgate.audit import open_audit_log_sync
from sovgate.audit.tiles import tile_path


@pytest.mark.parametrize(
    ("level", "n", "width", "path"),
    [
        (0, 1234067, 256, "tile/0/x001/x234/067"),  # the spec's example index
        (1, 0, 5, "tile/1/000.p/5"),
        ("entries", 999, 256, "tile/entries/999"),
        (0, 1000, 1, "tile/0/x001/000.p/1"),
        (2, 1_000_000_000, 256, "tile/2/x001/x000/x000/000"),
    ],
)
def test_tile_paths(level: int | str, n: int, width: int, path: str) -> None:
    assert tile_path(level, n, width) == path


def _bundle(data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack(">H", data[i : i + 2])
        out.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return out


def test_tiles_reproduce_the_tree(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/a.db"
    log = open_audit_log_sync(url, origin="tiles.example/log")
    n = 600
    [f.result() for f in [log.submit(rec(i)) for i in range(n)]]
    log.close_sync()
    out = tmp_path / "tiles"
    p = subprocess.run(
        [sys.executable, "-m", "sovgate", "audit", "tiles", "--out", str(out), "--audit", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0, p.stderr
    assert "3 entry bundles" in p.stdout

    leaves = _bundle((out / "tile/entries/000").read_bytes()) + _bundle(
        (out / "tile/entries/001").read_bytes()
    )
    leaves += _bundle((out / "tile/entries/002.p/88").read_bytes())
    assert len(leaves) == n
    level0 = b"".join((out / tile_path(0, t, w)).read_bytes() for t, w in ((0, 256), (1, 256), (2, 88)))
    assert level0 == b"".join(ref_leaf_hash(x) for x in leaves)
    level1 = (out / "tile/1/000.p/2").read_bytes()  # tree level 8: roots of the two full 256-leaf subtrees
    assert level1 == ref_mth(leaves[:256]) + ref_mth(leaves[256:512])
    text = (out / "checkpoint").read_text()
    origin, size, root = text.split("\n")[:3]
    assert (origin, int(size), base64.b64decode(root)) == ("tiles.example/log", n, ref_mth(leaves))
