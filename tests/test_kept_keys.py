"""What a splice keeps and what the store remembers, at their edges: `skeleton.kept_run` (where a
document's old entries sit in its new ones), `proofs.unpack_keys` on a blob cut inside a length,
and an ingest over damaged remembered keys, which must still give the regenerate's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsvc.render.skeleton import kept_run
from feedsvc.store.proofs import pack_keys, unpack_keys
from tests.ingest_helpers import generated_issues, ingest, ingest_each, regenerated, store_sql
from tests.render_helpers import instance_settings, tree


@pytest.mark.parametrize(
    ("keys", "old", "found"),
    [
        (b"xyabc", b"abc", (2, 3)),  # the whole old run kept, after two new entries
        (b"abc", b"abc", (0, 3)),
        (b"xab", b"abc", (1, 2)),  # the oldest dropped (the feed is full)
        (b"xa", b"abc", (1, 1)),
        (b"xacb", b"abc", "old entries out of order"),  # b moved after c
        (b"xabzc", b"abc", "old entries out of order"),  # a new entry inside the run
        (b"xbc", b"abc", "old first entry not in the new version"),  # the newest retracted
        (b"xaab", b"aab", (1, 3)),  # duplicates (never in a feed) as the old code had them
        (b"xaba", b"ab", (1, 2)),
        (b"aba", b"aa", "old entries out of order"),
    ],
)
def test_kept_run(keys: bytes, old: bytes, found: object) -> None:
    new_keys, old_keys = [bytes([k]) for k in keys], [bytes([k]) for k in old]
    assert kept_run(new_keys, old_keys) == found
    assert kept_run(tuple(new_keys), old_keys) == found  # any sequence


@pytest.mark.parametrize("cut", [1, 2, 3])
def test_a_blob_ending_inside_a_length_gives_none(cut: int) -> None:
    blob = pack_keys([b"tag:a\t1\n", b"tag:b\t2\n"])
    assert unpack_keys(blob + bytes(cut)) == []  # a length cut short: not a crash (struct.error)
    assert unpack_keys(blob + b"\xff" * cut) == []
    assert unpack_keys(bytes(cut)) == []


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE recent_keys SET keys = CAST(keys || x'0000' AS BLOB)",  # a length cut short at the end
        "UPDATE recent_keys SET keys = substr(keys, 1, length(keys) - 1)",  # the last newline cut
        # another feed's keys: ids found that are not among this feed's newest, or with other stubs
        "UPDATE recent_keys SET keys = (SELECT r.keys FROM recent_keys r"
        " WHERE r.feed_id = recent_keys.feed_id % 5 + 1)",
    ],
)
def test_damaged_remembered_keys_give_the_regenerates_output(tmp_path: Path, change: str) -> None:
    settings = instance_settings(tmp_path)
    issues = generated_issues(4)
    ingest_each(settings, tmp_path, issues[:3])
    store_sql(settings.paths.store, change)
    ingest(settings, tmp_path, issues[3])
    assert tree(settings.paths.output, hidden=True) == regenerated(settings, tmp_path / "re")
