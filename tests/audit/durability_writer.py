"""Child process of test_durability: appends under load and prints "<index> <id>" for every
append that returned (i.e. that the log reported durable), until it is killed."""

from __future__ import annotations

import asyncio
import sys

from sovgate.audit import AuditRecord, open_audit_log


async def main(url: str, key: str, secret: str, tag: str) -> None:
    log = await open_audit_log(url, key_path=key, hmac_secret_path=secret, origin="test.example/audit")
    out = sys.stdout
    n = 0

    async def worker(w: int) -> None:
        nonlocal n
        while True:
            n += 1
            rid = f"{tag}-{w}-{n}"
            index = await log.append(AuditRecord(id=rid, tenant=tag, provider="eu-sovereign"))
            out.write(f"{index} {rid}\n")
            out.flush()

    await asyncio.gather(*(worker(w) for w in range(32)))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
