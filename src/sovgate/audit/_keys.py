"""Key material on disk: the log's Ed25519 signer key and the fingerprint HMAC secret.

Both are created on first start, atomically (written to a temporary file, then
hard-linked into place), so several worker processes starting together agree on
one key. Files are mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from sovgate.audit.note import ALG_ED25519, NoteError, Signer


def _create_once(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, content)
        os.fsync(fd)
        os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process won the race: keep theirs
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def load_or_create_signer(path: Path, name: str, alg: int = ALG_ED25519) -> Signer:
    """The signer in `path`, created first if missing: a log's (Ed25519, the default) or a
    witness's (`ALG_COSIGNATURE_V1`). Its name must be `name`; an existing key of another
    algorithm is refused."""
    if not path.exists():
        _create_once(path, (Signer.generate(name, alg).skey() + "\n").encode())
    try:
        signer = Signer.from_skey(path.read_text())
    except NoteError as e:
        raise NoteError(f"{path}: {e}") from None
    what = "log origin" if alg == ALG_ED25519 else "witness name"
    if signer.name != name:
        raise NoteError(f"{path}: the key is named {signer.name!r} but the {what} is {name!r}")
    if signer.alg != alg:
        raise NoteError(f"{path}: the key is of algorithm {signer.alg:#04x}, a {what} needs {alg:#04x}")
    return signer


def load_or_create_secret(path: Path) -> bytes:
    if not path.exists():
        _create_once(path, (secrets.token_hex(32) + "\n").encode())
    try:
        secret = bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise NoteError(f"{path}: the HMAC secret must be hex") from None
    if len(secret) < 16:
        raise NoteError(f"{path}: the HMAC secret is shorter than 16 bytes")
    return secret


def read_key_name(path: Path) -> str | None:
    """The name in an existing signer key file (to default the origin), if any."""
    if not path.exists():
        return None
    return Signer.from_skey(path.read_text()).name
