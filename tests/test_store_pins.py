"""`Store.apply` for the editors: pinned ids, withheld positions, where each id was placed."""

from __future__ import annotations

from pathlib import Path

from feedsvc.records import PAPER
from feedsvc.store import Store
from tests.test_store import AUTH, T0, T1, A, B, C, issue, page, settings

TAG = f"tag:{AUTH}:2023-06-26/p1/"


def test_pins_keep_ids_whatever_the_text(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        sid = store.add_submission("a.txt", b"a", T0).id
        store.apply(issue(page(1, A, B)), submission_id=sid, settings=settings(), now=T0)
        # B's text rewritten beyond recognition, and put first: the pin keeps its id
        new_b = B.model_copy(
            update={"headline": "全新标题", "title": "全新标题", "paragraphs": ("完全不同。",)}
        )
        placed: dict[tuple[int, int], str] = {}
        changes = store.apply(
            issue(page(1, new_b, A)), submission_id=sid, settings=settings(), now=T1,
            pins={1: {1: TAG + "2"}}, placed=placed,
        )  # fmt: skip
        assert placed == {(1, 1): TAG + "2", (1, 2): TAG + "1"}
        assert {c.after.id for c in changes if c.after} == {TAG + "1", TAG + "2"}
        assert [e.title for e in store.entries(PAPER)] == ["全新标题", A.title]


def test_withheld_items_get_ids_but_stay_out_of_the_feeds(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        sid = store.add_submission("a.txt", b"a", T0).id
        placed: dict[tuple[int, int], str] = {}
        changes = store.apply(
            issue(page(1, A, B, C)), submission_id=sid, settings=settings(), now=T0,
            withheld={1: [2]}, placed=placed,
        )  # fmt: skip
        assert placed[(1, 2)] == TAG + "2"
        assert [c.after.id for c in changes if c.after] == [TAG + "1", TAG + "3"]
        assert [e.id for e in store.entries(PAPER)] == [TAG + "1", TAG + "3"]
        # released: it comes back with its id; withheld again: retracted
        changes = store.apply(issue(page(1, A, B, C)), submission_id=sid, settings=settings(), now=T1)
        assert [(c.before, c.after and c.after.id) for c in changes] == [(None, TAG + "2")]
        changes = store.apply(
            issue(page(1, A, B, C)), submission_id=sid, settings=settings(), now=T1, withheld={1: [2]}
        )
        assert [(c.before and c.before.id, c.after) for c in changes] == [(TAG + "2", None)]
