"""Signed notes, keys and checkpoints (C2SP signed-note, tlog-checkpoint, tlog-cosignature)."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from audit_cases import TESTDATA
from hypothesis import given, settings
from hypothesis import strategies as st

from sovgate.audit.note import (
    ALG_COSIGNATURE_V1,
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    add_signatures,
    open_checkpoint,
    parse_checkpoint,
    sign_note,
    split_note,
    verify_note,
)

GO = json.loads((TESTDATA / "note/go-sumdb-note-example.json").read_text())


def test_go_note_example_is_reproduced_byte_for_byte() -> None:
    signer = Signer.from_skey(GO["skey"])
    assert signer.vkey() == GO["vkey"] and signer.skey() == GO["skey"]
    assert sign_note(GO["text"], signer) == GO["note"]
    text, ok = verify_note(GO["note"], [Verifier.from_vkey(GO["vkey"])])
    assert text == GO["text"] and ok == {"PeterNeumann": None}


def test_tampered_or_unsigned_notes_are_rejected() -> None:
    v = Verifier.from_vkey(GO["vkey"])
    with pytest.raises(NoteError, match="does not verify"):
        verify_note(GO["note"].replace("cryptography", "cryptographY"), [v])
    with pytest.raises(NoteError, match="known key"):
        verify_note(GO["note"], [Signer.generate("someone").verifier()])
    for bad in ("no blank line\n", GO["text"] + "\n", GO["text"] + "\n- PeterNeumann abc\n"):
        with pytest.raises(NoteError):
            split_note(bad)
    with pytest.raises(NoteError, match="key id"):
        Verifier.from_vkey(GO["vkey"].replace("c74f20a3", "c74f20a4"))


def test_unknown_signatures_are_ignored_and_cosignatures_verify() -> None:
    log = Signer.generate("log.example/a")
    wit = Signer.generate("witness.example/w", ALG_COSIGNATURE_V1)
    stranger = Signer.generate("stranger")
    text = Checkpoint("log.example/a", 7, bytes(range(32))).text()
    note = sign_note(text, log)
    note = add_signatures(note, [stranger.sign_line(text), wit.sign_line(text, 1_700_000_123)])
    assert add_signatures(note, [wit.sign_line(text, 1_700_000_123)]) == note  # duplicates skipped
    _, ok = verify_note(note, [log.verifier(), wit.verifier()])
    assert ok == {"log.example/a": None, "witness.example/w": 1_700_000_123}
    # the cosignature blob is key id ‖ u64 big-endian time ‖ Ed25519 signature
    blob = base64.b64decode(note.splitlines()[-1].rsplit(" ", 1)[1])
    assert len(blob) == 4 + 8 + 64 and int.from_bytes(blob[4:12], "big") == 1_700_000_123
    assert base64.b64decode(wit.vkey().split("+", 2)[2])[0] == ALG_COSIGNATURE_V1
    cp = open_checkpoint(note, log.verifier())
    assert (cp.origin, cp.size, cp.root) == ("log.example/a", 7, bytes(range(32)))


@pytest.mark.parametrize(
    "text",
    [
        "o\n07\n" + "A" * 43 + "=\n",
        "o\n7\nAAAA\n",
        "\n7\n" + "A" * 43 + "=\n",
        "o\n7\n" + "A" * 43 + "=",
        "o\n-1\nx\n",
    ],
)
def test_malformed_checkpoints(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)


def test_checkpoint_text_format() -> None:
    root = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert Checkpoint("example.com/log", 0, root).text() == (
        "example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    )
    assert parse_checkpoint("example.com/log\n3\n" + base64.b64encode(root).decode() + "\next\n").size == 3


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_parsers_fail_only_with_note_errors(data: str) -> None:
    """Like Go tlog's FuzzParseTree: arbitrary input is parsed or refused cleanly, never crashes."""
    v = Verifier.from_vkey(GO["vkey"])
    for parse in (
        parse_checkpoint,
        split_note,
        lambda s: verify_note(s, [v]),
        Verifier.from_vkey,
        Signer.from_skey,
    ):
        with contextlib.suppress(NoteError):
            parse(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_witness_refuses_garbage_with_a_status(tmp_path_factory: pytest.TempPathFactory, body: str) -> None:
    from sovgate.audit.witness import Witness

    w = Witness(
        Signer.generate("w.example", ALG_COSIGNATURE_V1),
        [Verifier.from_vkey(GO["vkey"])],
        tmp_path_factory.mktemp("w") / "state.json",
    )
    assert w.add_checkpoint(body).status in (400, 403, 404)
