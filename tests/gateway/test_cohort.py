"""Cohort scheduling: calls submitted in one turn of the loop run back to back, in order."""

from __future__ import annotations

import asyncio

import pytest

from sovgate.gateway._cohort import Cohort


async def test_calls_submitted_together_run_in_one_callback_in_order() -> None:
    cohort = Cohort()
    trace: list[str] = []

    def work(name: str) -> str:
        trace.append(name)
        return name.upper()

    async def request(name: str) -> str:
        result = await cohort.submit(work, name)
        trace.append(f"after {name}")  # what a request does once classified
        return result

    results = await asyncio.gather(*(request(n) for n in "abc"))
    assert results == ["A", "B", "C"]
    # all three classified before any of them went on
    assert trace == ["a", "b", "c", "after a", "after b", "after c"]


async def test_an_exception_goes_to_its_own_caller_only() -> None:
    cohort = Cohort()

    def work(n: int) -> int:
        if n == 1:
            raise ValueError("unreadable")
        return n * 10

    futs = [cohort.submit(work, n) for n in range(3)]
    assert await futs[0] == 0
    with pytest.raises(ValueError, match="unreadable"):
        await futs[1]
    assert await futs[2] == 20


async def test_a_cancelled_caller_is_skipped() -> None:
    cohort = Cohort()
    ran: list[int] = []
    futs = [cohort.submit(ran.append, n) for n in range(3)]
    futs[1].cancel()
    await asyncio.gather(futs[0], futs[2])
    assert ran == [0, 2]


async def test_a_cohort_is_cut_into_runs_by_cost_with_other_work_between() -> None:
    cohort = Cohort(run_cost=10)
    trace: list[str] = []
    futs = [cohort.submit(trace.append, f"c{n}", cost=c) for n, c in enumerate([4, 6, 3, 20, 1])]
    # other ready work (another request's step) scheduled after the first run was
    asyncio.get_running_loop().call_soon(trace.append, "other")
    await asyncio.gather(*futs)
    # 4 + 6 fill the first run; 3 alone (3 + 20 > 10); 20 alone (over the budget, still run); then 1
    assert trace == ["c0", "c1", "other", "c2", "c3", "c4"]


async def test_the_runs_keep_submission_order_across_turns() -> None:
    cohort = Cohort(run_cost=1)
    trace: list[int] = []
    first = [cohort.submit(trace.append, n) for n in range(3)]
    await asyncio.sleep(0)  # the first run went; two are still queued
    later = [cohort.submit(trace.append, n) for n in range(3, 5)]
    await asyncio.gather(*first, *later)
    assert trace == [0, 1, 2, 3, 4]


async def test_a_lone_call_runs_in_the_next_turn() -> None:
    cohort = Cohort()
    fut = cohort.submit(sum, [1, 2, 3])
    assert not fut.done()
    await asyncio.sleep(0)
    assert fut.done() and fut.result() == 6


class _Shutdown(BaseException):
    """Stands for what ends a run abnormally (not an Exception: no caller gets it)."""


async def test_a_run_ended_by_a_base_exception_cancels_its_other_callers() -> None:
    cohort = Cohort()
    loop = asyncio.get_running_loop()
    seen: list[BaseException] = []
    loop.set_exception_handler(lambda _loop, ctx: seen.append(ctx["exception"]))

    def shut_down() -> None:
        raise _Shutdown

    futs = [cohort.submit(int, "1"), cohort.submit(shut_down), cohort.submit(int, "3")]
    _, pending = await asyncio.wait(futs, timeout=5)
    assert not pending  # nobody left waiting
    assert futs[0].result() == 1
    assert futs[1].cancelled() and futs[2].cancelled()
    assert len(seen) == 1 and isinstance(seen[0], _Shutdown)
