"""`render.recent.Recent`: the last values within a budget of bytes, the oldest dropped first, and
safe when several threads put at once (the papers of one service publish from several threads)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsvc.render.recent import Recent


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 120)), max_size=60))
def test_the_last_put_within_the_budget_are_kept(puts: list[tuple[int, int]]) -> None:
    """What is kept: the newest value of each key, within the budget, and always the last put
    (when it fits); what goes first is what was put longest ago (the kept keys are the latest put)."""
    recent: Recent[int, tuple[int, int]] = Recent(100)
    for n, (key, size) in enumerate(puts):
        recent.put(key, (n, size), size)
        assert recent.size <= 100
        assert (recent.get(key) is not None) == (size <= 100)
    last: dict[int, tuple[int, int]] = {}
    for n, (key, size) in enumerate(puts):
        last.pop(key, None)  # re-put: the key moves to the newest place
        last[key] = (n, size)
    kept = {k: v for k in range(21) if (v := recent.get(k)) is not None}
    assert all(last[k] == v for k, v in kept.items())  # the newest value of each key
    assert recent.size == sum(size for _, size in kept.values())
    order = [k for k, (_, size) in last.items() if size <= 100]  # by their last put, the oldest first
    assert set(kept) == {k for k in order[len(order) - len(kept) :]}  # the latest put are kept


def test_putting_a_key_again_replaces_it_without_dropping_another() -> None:
    recent: Recent[str, str] = Recent(10)
    recent.put("a", "1", 5)
    recent.put("b", "2", 5)
    recent.put("a", "3", 5)
    assert (recent.get("a"), recent.get("b"), recent.size) == ("3", "2", 10)
    recent.put("c", "4", 11)  # larger than the budget: not kept, nothing dropped
    assert (recent.get("c"), len(recent)) == (None, 2)
    recent.put("a", "5", 11)  # its older value goes with it
    assert (recent.get("a"), recent.get("b"), recent.size) == (None, "2", 5)


@pytest.fixture
def switch_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("switch_often")
def test_threads_putting_at_once_never_fail_and_keep_the_budget() -> None:
    recent: Recent[int, int] = Recent(1_000)
    failed: list[BaseException] = []

    def put(start: int) -> None:
        try:
            for n in range(start, start + 3_000):
                recent.put(n % 500, n, 7)
        except BaseException as exc:
            failed.append(exc)

    threads = [threading.Thread(target=put, args=(i * 10_000,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert recent.size == 7 * len(recent) <= 1_000
