"""Running a large request's classification off the event loop, so it stalls no other request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

# Text above this many characters is classified in a worker thread: below it, classification
# takes well under a millisecond-scale slice and the hand-off would cost more than it saves.
OFFLOAD_CHARS = 32 * 1024

# Few threads: classification is CPU work under the GIL, so more threads only add switching;
# the point is that the loop keeps serving between the slices. Threads start on first use
# (after forking workers).
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sovgate-classify")


async def offload(fn: Callable[..., T], *args: object) -> T:
    return await asyncio.get_running_loop().run_in_executor(_executor, fn, *args)
