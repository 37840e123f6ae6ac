"""Witness cosignatures (C2SP tlog-witness, cosignature/v1): the witness's checks, and the
whole exchange over real HTTP on loopback through `sovgate audit cosign`."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_cases import rec

from sovgate.audit import open_audit_log_sync
from sovgate.audit.log import AuditLog, open_log_reader
from sovgate.audit.note import ALG_COSIGNATURE_V1, Signer, Verifier, sign_note, verify_note
from sovgate.audit.verify import verify_log
from sovgate.audit.witness import Witness, add_checkpoint_body


@pytest.fixture
def log(tmp_path: Path) -> Iterator[AuditLog]:
    log = open_audit_log_sync(f"sqlite:///{tmp_path}/a.db", origin="eu.example/audit", checkpoint_every=4)
    for start in range(0, 20, 4):
        [f.result() for f in [log.submit(rec(i)) for i in range(start, start + 4)]]
    yield log
    log.close_sync()


@pytest.fixture
def witness(tmp_path: Path, log: AuditLog) -> Witness:
    return Witness(
        Signer.generate("witness.example", ALG_COSIGNATURE_V1), [log.verifier()], tmp_path / "w.json"
    )


def test_witness_cosigns_consistent_checkpoints_only(log: AuditLog, witness: Witness) -> None:
    cps = log.checkpoints()
    a, b = cps[1], cps[-1]
    first = witness.add_checkpoint(add_checkpoint_body(0, [], a.note), now=1_700_000_000)
    assert first.status == 200
    wv = witness.signer.verifier()
    _, ok = verify_note(a.note + first.body, [wv, log.verifier()])
    assert ok == {"witness.example": 1_700_000_000, "eu.example/audit": None}

    stale = witness.add_checkpoint(add_checkpoint_body(0, [], b.note))
    assert (stale.status, stale.body, stale.content_type) == (409, f"{a.size}\n", "text/x.tlog.size")
    proof = log.consistency_proof(a.size, b.size).proof
    bad = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
    assert witness.add_checkpoint(add_checkpoint_body(a.size, bad, b.note)).status == 422
    assert witness.add_checkpoint(add_checkpoint_body(a.size, proof, b.note)).status == 200

    forged = Signer.generate("eu.example/audit")  # right name, wrong key
    text = b.note.split("\n\n")[0] + "\n"
    assert witness.add_checkpoint(add_checkpoint_body(b.size, [], sign_note(text, forged))).status == 403
    other = Signer.generate("other.example/log")
    assert (
        witness.add_checkpoint(
            add_checkpoint_body(
                0, [], sign_note(text.replace("eu.example/audit", "other.example/log"), other)
            )
        ).status
        == 404
    )
    fork = text.replace(text.split("\n")[2], "A" * 43 + "=")
    assert witness.add_checkpoint(add_checkpoint_body(b.size, [], sign_note(fork, log._signer))).status == 409


class _Handler(http.server.BaseHTTPRequestHandler):
    witness: Witness

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        reply = self.witness.add_checkpoint(body)
        data = reply.body.encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def serve_witness(witness: Witness) -> tuple[http.server.ThreadingHTTPServer, str]:
    """The witness over real HTTP on loopback; returns the server and its add-checkpoint URL."""
    handler = type("H", (_Handler,), {"witness": witness})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/add-checkpoint"


def test_cosign_over_http_then_verify_reports_it(log: AuditLog, witness: Witness, tmp_path: Path) -> None:
    server, url = serve_witness(witness)
    db = f"sqlite:///{tmp_path}/a.db"
    wkey = witness.signer.vkey()
    try:
        base = [sys.executable, "-m", "sovgate", "audit"]
        for size in (8, 20):  # first from 0, then with a consistency proof from 8
            p = subprocess.run(
                [
                    *base,
                    "cosign",
                    "--witness",
                    url,
                    "--witness-vkey",
                    wkey,
                    "--size",
                    str(size),
                    "--audit",
                    db,
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert p.returncode == 0, p.stderr
            assert "\u2014 witness.example " in p.stdout
        p = subprocess.run(
            [*base, "verify", "--witness", wkey, "--audit", db], capture_output=True, text=True, timeout=60
        )
        assert p.returncode == 0, p.stderr
        assert "checkpoint 8 cosigned by witness.example" in p.stdout
        assert "checkpoint 20 cosigned by witness.example" in p.stdout
    finally:
        server.shutdown()
    reader = open_log_reader(db)
    assert verify_log(reader, witnesses=[Verifier.from_vkey(wkey)]).witnessed == {
        8: ["witness.example"],
        20: ["witness.example"],
    }
    reader.close_sync()


def test_one_check_and_update_at_a_time_across_processes(log: AuditLog, witness: Witness) -> None:
    """The workers of one `serve` share the state file: a cosigning waits for the `flock` another
    process holds on `<state>.lock` (here: this test), so two can never both cosign from one size."""
    import fcntl
    import os

    body = add_checkpoint_body(0, [], log.checkpoints()[-1].note)
    replies: list[int] = []
    fd = os.open(f"{witness.state_path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        t = threading.Thread(target=lambda: replies.append(witness.add_checkpoint(body).status))
        t.start()
        t.join(0.3)
        assert t.is_alive() and not replies and not witness.state_path.exists()  # waiting for the lock
    finally:
        os.close(fd)
    t.join(10)
    assert replies == [200]
    assert witness.add_checkpoint(body).status == 409  # the state it saved is what the next one sees


def test_open_witness_creates_its_key_once_and_checks_it(tmp_path: Path, log: AuditLog) -> None:
    from sovgate.audit.note import NoteError
    from sovgate.audit.witness import open_witness

    vkey = log.verifier().vkey()
    w = open_witness("witness.example", tmp_path / "w.key", tmp_path / "state" / "w.json", [vkey])
    again = open_witness("witness.example", tmp_path / "w.key", tmp_path / "state" / "w.json", [vkey])
    assert w.signer.vkey() == again.signer.vkey() and w.signer.alg == ALG_COSIGNATURE_V1
    assert (tmp_path / "w.key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(NoteError, match=r"the key is named 'witness\.example' but the witness name is"):
        open_witness("other.example", tmp_path / "w.key", tmp_path / "w.json", [vkey])
    with pytest.raises(NoteError, match="log key 2"):
        open_witness("witness.example", tmp_path / "w.key", tmp_path / "w.json", [vkey, "junk"])
    log_key = tmp_path / "log.key"
    log_key.write_text(log._signer.skey() + "\n")  # an Ed25519 log key is not a witness key
    with pytest.raises(NoteError, match="a witness name needs 0x04"):
        open_witness("eu.example/audit", log_key, tmp_path / "w.json", [vkey])


def test_the_gateway_cosigner_keeps_the_latest_checkpoint_cosigned(
    log: AuditLog, witness: Witness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sovgate.audit.cosigner import Cosigner

    server, url = serve_witness(witness)
    db = f"sqlite:///{tmp_path}/a.db"
    wv = witness.signer.verifier()
    cosigner = Cosigner(db, [(url, wv)], interval_s=1)
    try:
        assert cosigner.cosign_latest() == 1  # the latest checkpoint (20), from nothing
        assert cosigner.cosign_latest() == 0  # already cosigned: not asked again
        for i in range(20, 24):
            log.append_sync(rec(i))  # checkpoint_every=4: a checkpoint of 24
        assert cosigner.cosign_latest() == 1  # with a consistency proof from 20
    finally:
        server.shutdown()
        server.server_close()
    log.append_sync(rec(24))
    for i in range(25, 28):
        log.append_sync(rec(i))  # a checkpoint of 28, the witness gone
    assert cosigner.cosign_latest() == 0 and cosigner.cosign_latest() == 0
    cosigner._release()
    err = capsys.readouterr().err
    assert err.count(f"cosign: witness {url}") == 1  # a failure said once
    assert err.count("cosign: checkpoint 20 cosigned by witness.example") == 1  # the first success too
    assert "checkpoint 24 cosigned" not in err  # not every one
    reader = open_log_reader(db)
    assert verify_log(reader, witnesses=[wv]).witnessed == {20: ["witness.example"], 24: ["witness.example"]}
    reader.close_sync()


def test_one_process_of_a_deployment_cosigns(tmp_path: Path, log: AuditLog) -> None:
    from sovgate.audit.cosigner import Cosigner

    db = f"sqlite:///{tmp_path}/a.db"
    first, second = (Cosigner(db, [], interval_s=1) for _ in range(2))
    assert first._elected() and not second._elected()  # the flock of <db>.cosign.lock
    assert first._elected()  # kept while it lives
    import os

    assert first._lock_fd is not None
    os.close(first._lock_fd)  # that process exits: another takes over
    first._lock_fd = None
    assert second._elected()
    second._release()
    nowhere = Cosigner(f"sqlite:///{tmp_path}/no/such/dir/a.db", [], interval_s=1)
    assert not nowhere._elected()  # the lock file cannot be made: said, not raised


def test_cosignatures_stored_at_once_are_all_kept(log: AuditLog, tmp_path: Path) -> None:
    """Each store merges its lines into the note in one transaction: none overwrites another."""
    from sovgate.audit.note import add_signatures

    cp = log.checkpoints()[-1]
    text = cp.note.split("\n\n")[0] + "\n"
    signers = [Signer.generate(f"w{i}.example", ALG_COSIGNATURE_V1) for i in range(8)]
    lines = [s.sign_line(text, 1_700_000_000) for s in signers]
    assert add_signatures(cp.note, lines[:1]) != cp.note  # the lines are valid for this checkpoint

    def store(part: range) -> None:
        reader = open_log_reader(f"sqlite:///{tmp_path}/a.db")
        try:
            for i in part:
                reader.add_cosignatures(cp.size, [lines[i]], [signers[i].verifier()])
        finally:
            reader.close_sync()

    threads = [threading.Thread(target=store, args=(range(k, 8, 2),)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    note = {c.size: c for c in log.checkpoints()}[cp.size].note
    _, ok = verify_note(note, [s.verifier() for s in signers])
    assert sorted(ok) == sorted(s.name for s in signers)
