"""C2SP signed notes, tlog-checkpoints and cosignature/v1, with Ed25519 keys.

Formats (C2SP signed-note.md, tlog-checkpoint.md, tlog-cosignature.md):
- note: text ending in "\\n", a blank line, then lines "— <name> base64(key_id[4] ‖ sig)";
- Ed25519 (type 0x01): key_id = SHA-256(name ‖ "\\n" ‖ 0x01 ‖ pub)[:4], signs the text;
- cosignature/v1 (type 0x04): key_id = SHA-256(name ‖ "\\n" ‖ 0x04 ‖ pub)[:4], the blob is
  key_id ‖ u64 timestamp ‖ sig over "cosignature/v1\\ntime <ts>\\n" ‖ checkpoint text;
- verifier key: "<name>+<key_id hex>+base64(type ‖ pub)"; signer key (Go's note
  package form): "PRIVATE+KEY+<name>+<key_id hex>+base64(type ‖ seed)";
- checkpoint text: "<origin>\\n<size>\\n<base64 root>\\n".
"""

from __future__ import annotations

import base64
import functools
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "


class NoteError(ValueError):
    """A note, key or checkpoint is malformed or its signature does not verify."""


def _key_id(name: str, alg: int, pub: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pub).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def _raw_pub(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Signer:
    """An Ed25519 note signer (alg 0x01) or witness cosigner (alg 0x04)."""

    name: str
    private: Ed25519PrivateKey
    alg: int = ALG_ED25519

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> Signer:
        _check_name(name)
        return cls(name, Ed25519PrivateKey.generate(), alg)

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("signer key must be PRIVATE+KEY+<name>+<id>+<base64>")
        name, raw = parts[2], _b64(parts[4])
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("signer key is not an Ed25519 key")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]), raw[0])
        if parts[3] != signer.key_id.hex():
            raise NoteError("signer key id does not match its key")
        return signer

    # cached: the writer signs a head at every batch, and the key id is part of each signature
    @functools.cached_property
    def public(self) -> bytes:
        return _raw_pub(self.private)

    @functools.cached_property
    def key_id(self) -> bytes:
        return _key_id(self.name, self.alg, self.public)

    def skey(self) -> str:
        seed = self.private.private_bytes_raw()
        blob = base64.b64encode(bytes([self.alg]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{blob}"

    def vkey(self) -> str:
        return self.verifier().vkey()

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.alg, self.public)

    def sign_line(self, text: str, timestamp: int | None = None) -> str:
        """One signature line over `text` (for alg 0x04, a cosignature at `timestamp`)."""
        if self.alg == ALG_COSIGNATURE_V1:
            if timestamp is None:
                raise NoteError("a cosignature needs a timestamp")
            ts = struct.pack(">Q", timestamp)
            blob = self.key_id + ts + self.private.sign(_cosigned_message(text, timestamp))
        else:
            blob = self.key_id + self.private.sign(text.encode())
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class Verifier:
    name: str
    alg: int
    public: bytes

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key must be <name>+<id>+<base64>")
        name, raw = parts[0], _b64(parts[2])
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("verifier key is not an Ed25519 key")
        v = cls(name, raw[0], raw[1:])
        if parts[1] != v.key_id.hex():
            raise NoteError("verifier key id does not match its key")
        return v

    @property
    def key_id(self) -> bytes:
        return _key_id(self.name, self.alg, self.public)

    def vkey(self) -> str:
        blob = base64.b64encode(bytes([self.alg]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def verify(self, text: str, blob: bytes) -> int | None:
        """Check a signature blob (without its key id); returns the cosignature time, if any."""
        try:
            key = Ed25519PublicKey.from_public_bytes(self.public)
        except ValueError:
            raise NoteError(f"key {self.name} is not a valid Ed25519 public key") from None
        try:
            if self.alg == ALG_COSIGNATURE_V1:
                if len(blob) != 72:
                    raise NoteError(f"cosignature by {self.name} has the wrong length")
                (ts,) = struct.unpack(">Q", blob[:8])
                key.verify(blob[8:], _cosigned_message(text, ts))
                return ts
            if len(blob) != 64:
                raise NoteError(f"signature by {self.name} has the wrong length")
            key.verify(blob, text.encode())
            return None
        except InvalidSignature:
            raise NoteError(f"signature by {self.name} does not verify") from None


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def _b64(s: str) -> bytes:
    try:
        return base64.b64decode(s, validate=True)
    except ValueError:
        raise NoteError(f"invalid base64: {s[:20]!r}") from None


# --- notes --------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    blob: bytes  # without the key id

    def line(self) -> str:
        return f"{_DASH}{self.name} {base64.b64encode(self.key_id + self.blob).decode()}\n"


def split_note(note: str) -> tuple[str, list[Signature]]:
    """Split a signed note into its text (with final newline) and signatures."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("not a signed note: no blank line before the signatures")
    text, sig_block = note[: cut + 1], note[cut + 2 :]
    sigs = []
    for line in sig_block.splitlines():
        if not line.startswith(_DASH):
            raise NoteError(f"malformed signature line {line[:40]!r}")
        name, _, b64 = line[len(_DASH) :].rpartition(" ")
        raw = _b64(b64)
        if not name or len(raw) < 5:
            raise NoteError(f"malformed signature line {line[:40]!r}")
        sigs.append(Signature(name, raw[:4], raw[4:]))
    if not sigs:
        raise NoteError("note has no signatures")
    return text, sigs


def sign_note(text: str, *signers: Signer, timestamp: int | None = None) -> str:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    return text + "\n" + "".join(s.sign_line(text, timestamp) for s in signers)


def add_signatures(note: str, lines: list[str]) -> str:
    """Append signature lines (e.g. witness cosignatures) to a signed note, skipping duplicates."""
    text, sigs = split_note(note)
    have = {s.line() for s in sigs}
    extra = []
    for line in lines:
        line = line.rstrip("\n") + "\n"
        split_note(text + "\n" + line)  # validates the line
        if line not in have:
            have.add(line)
            extra.append(line)
    return note + "".join(extra)


def verify_note(note: str, verifiers: list[Verifier]) -> tuple[str, dict[str, int | None]]:
    """Verify a note: every signature by a known key must verify, at least one must exist.

    Returns the text and {verifier name: cosignature time or None}. Unknown keys are
    ignored (as the spec requires).
    """
    text, sigs = split_note(note)
    if len(sigs) > 100:
        raise NoteError("note has too many signatures")
    known = {(v.name, v.key_id): v for v in verifiers}
    ok: dict[str, int | None] = {}
    for s in sigs:
        v = known.get((s.name, s.key_id))
        if v is not None:
            ok[v.name] = v.verify(text, s.blob)
    if not ok:
        raise NoteError("no signature by a known key")
    return text, ok


# --- checkpoints ---------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("checkpoint needs origin, size and root lines ending in a newline")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not size.isdigit() or (size != "0" and size.startswith("0")):
        raise NoteError(f"checkpoint size {size!r} is not a decimal without leading zeros")
    raw = _b64(root)
    if len(raw) != 32:
        raise NoteError("checkpoint root is not 32 bytes")
    return Checkpoint(origin, int(size), raw)


def open_checkpoint(note: str, log_key: Verifier) -> Checkpoint:
    """Parse a signed checkpoint, requiring the log's own signature."""
    text, ok = verify_note(note, [log_key])
    if log_key.name not in ok:
        raise NoteError("checkpoint is not signed by the log key")
    return parse_checkpoint(text)
