"""sovgate.audit: the tamper-evident audit log (RFC 9162 Merkle tree, C2SP signed checkpoints).

    log = await open_audit_log("sqlite:///./sovgate-audit.db")
    index = await log.append(AuditRecord(id=..., tenant=..., ...))   # durable when it returns
    await log.append(admin_record("gateway.start", details={...}, fingerprint=log.fingerprint(cfg)))
    await log.close()                                                # final checkpoint

See docs/audit.md for the record's leaf serialization, the storage layout and the CLI.
"""

from sovgate.audit.log import (
    DEFAULT_URL,
    AuditError,
    AuditLog,
    ConsistencyProof,
    InclusionProof,
    LogReader,
    open_audit_log,
    open_audit_log_sync,
    open_log_reader,
)
from sovgate.audit.record import (
    AuditRecord,
    FindingSummary,
    RuleRecord,
    admin_record,
    decode_leaf,
    encode_leaf,
    rule_records,
    summarize_findings,
    utc_now,
)

__all__ = [
    "DEFAULT_URL",
    "AuditError",
    "AuditLog",
    "AuditRecord",
    "ConsistencyProof",
    "FindingSummary",
    "InclusionProof",
    "LogReader",
    "RuleRecord",
    "admin_record",
    "decode_leaf",
    "encode_leaf",
    "open_audit_log",
    "open_audit_log_sync",
    "open_log_reader",
    "rule_records",
    "summarize_findings",
    "utc_now",
]
