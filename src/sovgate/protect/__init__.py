"""Reversible pseudonymization of what may leave, and restoration of the answer (streaming included).

Per request (and per attempted provider)::

    from sovgate.protect import Pseudonymizer, PseudonymSession, ChunkRestorer, restore_response

    pz = Pseudonymizer()                          # once; style="surrogate" for realistic fakes
    session = PseudonymSession()                  # or: await vault.load(conversation_id)
    segments = extract_segments(body)             # the same list classify saw
    masked, report = pz.protect(body, segments, classification.findings, verdict.pseudonymize, session)
    # -> send `masked`; audit `report.masked` (counts by entity type, never values)
    # await vault.save(session)                   # False: another worker raced; load again and redo

    restore_response(answer, session, scope=report.tokens)        # non-streamed chat.completion
    cr = ChunkRestorer(session, scope=report.tokens)              # streamed: per parsed SSE chunk
    out = cr.restore_chunk(chunk) ... ; tail = cr.finish()        # finish() at [DONE]

Lower level: `restore(text, session, scope=..., in_json=...)` for one text and
`StreamRestorer(session, scope=..., in_json=...)` with `feed(delta)` / `flush()` for one
streamed field (`in_json=True` for tool-call arguments: restored values are JSON-escaped).

Guarantees:
- the same (type, value) gets the same token everywhere in the request and in every turn
  that shares the session; different values never share a token; a token the client
  itself wrote is never handed out;
- only exact known tokens within `scope` are restored; invented or mangled ones
  (`[PERSON_9]`, `[ Person_1 ]`, `[PERSON_1`) are forwarded as the model wrote them;
- a stream holds back only a tail that still spells the start of a known token;
- tool-call arguments stay valid JSON after masking and after restoring;
- `ProtectionError` when a span of a masked type sits where it cannot be rewritten
  (image URL, file or audio part, embeddings token ids): do not send the request.

Vaults keep sessions for a conversation's TTL: `MemoryVault` (one process) and
`RedisVault` (several workers; values AES-GCM encrypted). `conversation_id(...)` derives
the key. See docs/protection.md.
"""

from sovgate.protect.completion import ChunkRestorer, restore_response
from sovgate.protect.errors import ProtectionError
from sovgate.protect.pseudonymize import ProtectionReport, Pseudonymizer
from sovgate.protect.restore import StreamRestorer, restore
from sovgate.protect.session import Entry, PseudonymSession
from sovgate.protect.vault import (
    MemoryVault,
    RedisVault,
    Vault,
    VaultError,
    conversation_id,
    generate_vault_key,
    vault_key,
)

__all__ = [
    "ChunkRestorer",
    "Entry",
    "MemoryVault",
    "ProtectionError",
    "ProtectionReport",
    "PseudonymSession",
    "Pseudonymizer",
    "RedisVault",
    "StreamRestorer",
    "Vault",
    "VaultError",
    "conversation_id",
    "generate_vault_key",
    "restore",
    "restore_response",
    "vault_key",
]
