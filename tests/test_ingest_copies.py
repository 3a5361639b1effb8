"""The eleventh ingest round's shortcuts give what the plain computations give.

- `skeleton.cut_end` (offsets into the file's bytes, taken as a view) cuts where `cut_run` of the
  sliced-out body did (the old code, kept here as the reference);
- `Skeleton.fill` (one join) makes the bytes `head + sep.join(entries) + tail` made;
- `keys.keyed_digest` (the last digest of a head kept with its keys) is always the SHA-256 of the
  head and the keys it is given;
- `feedpage._intact` (a page equal to one sealed here is not hashed again) still refuses an
  edited page, and still accepts a sealed page this process did not make;
- `Builder.changed_in` (a plan's entries grouped by feed once) gives each feed the ids the
  search of every entry's feeds gave.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from feedsvc.records import FeedRef
from feedsvc.render import feedpage, keys
from feedsvc.render.builder import Builder
from feedsvc.render.skeleton import Skeleton, cut_end
from tests.render_helpers import bulk_entries


def _old_cut_run(body: bytes, sep: bytes, opener: bytes, count: int, run: int) -> bytes | None:
    """`skeleton.cut_run` as it was before the round (the reference)."""
    if not 0 < run <= count:
        return None
    if run == count:
        return body
    if not body.startswith(opener) or body.count(opener) != count:
        return None
    start = len(body)
    for _ in range(count - run):
        start = body.rfind(opener, 0, start)
    end = start - len(sep)
    if end <= 0 or body[end:start] != sep:
        return None
    return body[:end]


@pytest.mark.parametrize("seed", range(40))
def test_cut_end_cuts_where_the_sliced_body_was_cut(seed: int) -> None:
    rng = random.Random(seed)
    opener, sep = rng.choice([(b"<entry>", b"\n"), (b'<li class="card', b""), (b"{", b",\n")])
    count = rng.randint(1, 6)
    entries = [opener + bytes(rng.choice(b"ab<{,\n") for _ in range(rng.randint(0, 9))) for _ in range(count)]
    entries = [e.replace(opener[-1:], b"x", e.count(opener[-1:]) - 1) for e in entries]  # one opener each
    body = sep.join(entries)
    if rng.random() < 0.3:  # a body the cut must refuse: an opener too many, or a separator gone
        body = body + opener if rng.random() < 0.5 else body.replace(sep, b"", 1) if sep else body + opener
    # a head or tail may hold the opener or end with the separator: the cut looks inside the body only
    head = b"HEAD" * rng.randint(0, 3) + rng.choice([b"", opener, sep, opener + sep])
    tail = rng.choice([b"", opener, sep + opener]) + b"TAIL" * rng.randint(0, 3)
    raw = head + body + tail
    lo, hi = len(head), len(raw) - len(tail)
    for run in range(count + 2):
        expected = _old_cut_run(body, sep, opener, count, run)
        end = cut_end(raw, lo, hi, sep=sep, opener=opener, count=count, run=run)
        assert (None if end is None else raw[lo:end]) == expected, (run, body)


def test_fill_makes_the_bytes_of_one_head_the_joined_entries_and_one_tail() -> None:
    skeleton = Skeleton(head=b"<feed>", sep=b"\n  ", tail=b"</feed>")
    raw = b"...<e>1</e>\n  <e>2</e>..."
    given: list[list[bytes | memoryview]] = [
        [b"<e>0</e>"],
        [b"<e>0</e>", memoryview(raw)[3:-3], b"<e>3</e>"],
        [memoryview(raw)[3:-3]],
    ]
    for entries in given:
        joined = b"\n  ".join(bytes(e) for e in entries)
        assert skeleton.fill(entries) == b"<feed>" + joined + b"</feed>"
    with pytest.raises(ValueError):
        skeleton.fill([])


def test_keyed_digest_is_the_hash_of_the_head_and_the_keys_given_whatever_is_kept() -> None:
    head = b"site\nplace-of-test_keyed_digest\n"
    some, other = [b"k1\n", b"k2\n"], [b"k1\n", b"k3\n"]

    def plain(keys_: list[bytes]) -> str:
        return hashlib.sha256(head + b"".join(keys_)).hexdigest()

    for given in (some, some, other, some, [], other, iter(some)):
        listed = list(given)
        assert keys.keyed_digest(head, iter(listed)) == plain(listed)
    assert (
        keys.keyed_digest(b"another head\n", some)
        == hashlib.sha256(b"another head\n" + b"".join(some)).hexdigest()
    )
    for n in range(2_000):  # kept: within the budget
        keys.keyed_digest(b"head %d\n" % n, some * 200)
    assert 0 < keys._KEYED.size <= keys._KEYED.budget
    assert keys.keyed_digest(head, some) == plain(some)


def _sealed_page() -> bytes:
    page = (
        b"<!doctype html>\n<!-- feedsvc feed "
        + b"0" * 64
        + b" -->\n<html><body>"
        + b"card " * 200
        + b"</body>"
    )
    return feedpage.seal(page)


def test_a_page_sealed_here_then_edited_is_not_intact() -> None:
    sealed = _sealed_page()
    assert feedpage._intact(sealed) is not None  # kept: equal byte for byte
    for at in (len(sealed) // 2, len(sealed) - 1, 200):
        edited = sealed[:at] + bytes([sealed[at] ^ 1]) + sealed[at + 1 :]
        assert feedpage._intact(edited) is None, at
    assert feedpage._intact(sealed[:-1]) is None
    assert feedpage._intact(sealed + b" ") is None


def test_a_sealed_page_not_kept_is_checked_by_its_hash() -> None:
    sealed = _sealed_page()
    feedpage._SEALED.clear()  # as in another process, or after the page was evicted
    assert feedpage._intact(sealed) is not None
    at = len(sealed) - 10
    assert feedpage._intact(sealed[:at] + b"X" + sealed[at + 1 :]) is None


class _Feeds:
    """A renderer's `feeds`: every entry's feeds (the paper, its section, its contributors)."""

    def feeds(self, entry):  # type: ignore[no-untyped-def]
        return entry.feeds()


def test_changed_in_gives_each_feed_the_ids_the_search_of_every_entry_gave() -> None:
    entries = bulk_entries(30)
    builder = Builder.__new__(Builder)
    builder.renderer = _Feeds()  # type: ignore[assignment]
    builder._changed = None
    refs = {ref for e in entries for ref in e.feeds()} | {FeedRef(kind="contributor", slug="nobody")}
    for changed in (entries, entries[:7], entries[7:], []):
        for ref in refs:
            assert builder.changed_in(ref, changed) == {e.id for e in changed if ref in e.feeds()}
