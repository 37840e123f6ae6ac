"""Child process of test_write_ahead: opens the log, writes ahead the records of requests "in
flight" (ids from argv), prints "ready" and waits to be killed, as a gateway would while
providers have those requests."""

from __future__ import annotations

import asyncio
import sys

import msgspec
from audit_cases import rec

from sovgate.audit import open_audit_log


async def main(url: str, key: str, secret: str, ids: list[str]) -> None:
    log = await open_audit_log(url, key_path=key, hmac_secret_path=secret, origin="test.example/audit")
    for i in ids:
        await log.dispatch(msgspec.structs.replace(rec(int(i)), outcome="interrupted", status=0))
    print("ready", log.owner, flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
