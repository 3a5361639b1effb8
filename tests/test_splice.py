"""Splicing: a feed document made from the copy on disk of its previous version, the entries it
shares with it copied as bytes, is byte for byte the document rendered whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from feedsvc.records import PAPER, FeedRef
from feedsvc.render import atom, rss
from feedsvc.render.common import FeedDoc, Site, entry_parts
from feedsvc.render.feeds import FORMATS, SPLICES, Before, FeedRenderer, Rendered, _splice
from feedsvc.render.keys import doc_digest
from feedsvc.render.skeleton import kept_run

from .render_helpers import bulk_entries, settings


def _site(tmp_path: Path) -> Site:
    return Site.from_settings(settings(tmp_path, max_entries=20, page_size=10))


def _doc(site: Site, entries: Sequence[Rendered], **kw: object) -> tuple[FeedDoc, str]:
    updated = site.local(max(r.entry.updated for r in entries))
    doc = FeedDoc(ref=PAPER, title=site.title(""), updated=updated, **kw)  # type: ignore[arg-type]
    return doc, doc_digest(site, doc, (r.key for r in entries))


def _whole(site: Site, index: int, doc: FeedDoc, entries: Sequence[Rendered], digest: str) -> bytes:
    return FORMATS[index].document(site, doc, [r.data(site, index) for r in entries], digest)


@pytest.mark.parametrize("index", range(len(FORMATS)))
def test_subscription_document_gains_new_entries_and_drops_the_oldest(tmp_path: Path, index: int) -> None:
    site = _site(tmp_path)
    everything = [Rendered(e) for e in reversed(bulk_entries(30))]  # newest first
    old_entries, new_entries = everything[3:23], everything[:20]
    old, old_digest = _doc(site, old_entries, last=1)
    new, digest = _doc(site, new_entries, last=2)
    raw = _whole(site, index, old, [Rendered(r.entry) for r in old_entries], old_digest)
    fresh = [Rendered(r.entry) for r in new_entries]  # nothing rendered yet
    where = kept_run([r.key for r in fresh], [r.key for r in old_entries])
    new_doc, old_doc = (new, fresh, digest), (old, old_entries, old_digest)
    spliced = _splice(raw, site, FORMATS[index], index=index, new=new_doc, old=old_doc, where=where)
    assert spliced == _whole(site, index, new, new_entries, digest)
    # of the new document's entries, only the three new ones were rendered; the rest came from disk
    assert [r for r in fresh if r._bytes[index] is not None] == fresh[:3]
    assert all(r._bytes[index] is None for r in old_entries[-3:])  # nor were the dropped ones


@pytest.mark.parametrize("index", range(len(FORMATS)))
def test_open_archive_page_gains_entries_at_its_end(tmp_path: Path, index: int) -> None:
    site = _site(tmp_path)
    everything = [Rendered(e) for e in bulk_entries(9)]  # oldest first, like an archive page
    old, old_digest = _doc(site, everything[:5], number=3, last=3)
    new, digest = _doc(site, everything, number=3, last=3)
    raw = _whole(site, index, old, everything[:5], old_digest)
    spliced = _splice(
        raw,
        site,
        FORMATS[index],
        index=index,
        new=(new, everything, digest),
        old=(old, everything[:5], old_digest),
        where=kept_run([r.key for r in everything], [r.key for r in everything[:5]]),
    )
    assert spliced == _whole(site, index, new, everything, digest)


@pytest.mark.parametrize("index", range(len(FORMATS)))
def test_nothing_is_spliced_without_proof(tmp_path: Path, index: int) -> None:
    site = _site(tmp_path)
    everything = [Rendered(e) for e in reversed(bulk_entries(12))]
    old, old_digest = _doc(site, everything[2:], last=0)
    new, digest = _doc(site, everything[:10], last=0)
    raw = _whole(site, index, old, everything[2:], old_digest)
    fmt = FORMATS[index]

    def attempt(data: bytes | None, entries: Sequence[Rendered] = everything[2:]) -> bytes | None:
        was = (old, entries, doc_digest(site, old, (r.key for r in entries)))  # as `_documents` gives it
        where = kept_run([r.key for r in everything[:10]], [r.key for r in entries]) if entries else None
        return _splice(data, site, fmt, index=index, new=(new, everything[:10], digest), old=was, where=where)

    assert attempt(raw) == _whole(site, index, new, everything[:10], digest)
    assert attempt(None) is None  # no copy on disk
    last = everything[-1].data(site, index)
    # the entries dropped from its end are cut off where their openers show, never rendered: what
    # they hold does not matter (it is dropped), how many entries the file holds does
    changed = raw.replace(last, last.replace(b"2023", b"2024", 1))
    assert changed != raw
    assert attempt(changed) == _whole(site, index, new, everything[:10], digest)
    assert everything[-1].data(site, index) == last  # rendered by this test only
    opener = fmt.opener
    for tampered in (
        raw.replace(last, last.replace(opener, b"", 1)),  # an entry without its opener
        raw.replace(last, last + opener),  # an opener too many
        raw.replace(last, opener + last),  # an entry's opener not where it starts
    ):
        assert tampered != raw
        assert attempt(tampered) is None
    assert attempt(raw, everything[3:]) is None  # the copy on disk is not the version the caller means


def test_a_renderer_splices_documents_on_disk(tmp_path: Path) -> None:
    """Through `FeedRenderer`: with the previous version on disk the result is the whole render."""
    site = _site(tmp_path)
    out = tmp_path / "out"
    everything = [Rendered(e) for e in reversed(bulk_entries(30, start=dt.date(2023, 2, 1)))]
    before = FeedRenderer(site, out).subscription(PAPER, "", everything[3:23], 1)
    for path, data in before.files:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    renderer = FeedRenderer(site, out)
    fresh = [Rendered(r.entry) for r in everything[:20]]
    spliced = renderer.subscription(PAPER, "", fresh, 2, before=Before(everything[3:23], 1, everything[3:23]))
    whole = FeedRenderer(site, None).subscription(PAPER, "", everything[:20], 2)
    assert spliced.files == whole.files
    assert sum(r._bytes[0] is not None for r in fresh) == 3


@pytest.mark.parametrize("old_name", ["记者 董笑瑜", "记者 A&B <董>", ""])
def test_a_renamed_feed_is_spliced_under_its_new_name(tmp_path: Path, old_name: str) -> None:
    """A contributor's feed is named after their newest byline's role: a new role renames every
    document of the feed. The old name is read from the document on disk and proven by its
    digest, so the entries' bytes are still taken from it."""
    site = _site(tmp_path)
    out = tmp_path / "out"
    ref = FeedRef(kind="contributor", slug="dong-xiaoyu")
    everything = [Rendered(e) for e in reversed(bulk_entries(30, start=dt.date(2023, 2, 1)))]
    before = FeedRenderer(site, out).subscription(ref, old_name, everything[3:23], 1)
    for path, data in before.files:
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    SPLICES.clear()
    fresh = [Rendered(r.entry) for r in everything[:20]]
    was = Before(everything[3:23], 1, everything[3:23])
    spliced = FeedRenderer(site, out).subscription(ref, "首席记者 董笑瑜", fresh, 2, before=was)
    made = dict(SPLICES)
    whole = FeedRenderer(site, None).subscription(ref, "首席记者 董笑瑜", everything[:20], 2)
    assert spliced.files == whole.files
    assert made == {"spliced": len(FORMATS)}
    assert sum(r._bytes[0] is not None for r in fresh) == 3
    # a name on disk that its digest does not prove is not taken
    for path, data in before.files:
        (out / path).write_bytes(data.replace(b"dong-xiaoyu", b"dong-xiaoyv", 1))
    SPLICES.clear()
    again = FeedRenderer(site, out).subscription(ref, "首席记者 董笑瑜", everything[:20], 2, before=was)
    assert SPLICES.get("spliced", 0) == 0
    assert again.files == whole.files


@pytest.mark.parametrize("index", range(len(FORMATS)))
def test_every_entry_starts_with_its_formats_opener(tmp_path: Path, index: int) -> None:
    """`skeleton.cut_end` finds entries by `Format.opener`: each renderer writes it first and
    nowhere else (whatever the entry's text holds), the fallbacks to feedgen included, and it
    cannot overlap itself."""
    site = _site(tmp_path)
    fmt = FORMATS[index]
    assert fmt.opener[-1:] not in fmt.opener[:-1]  # no border: occurrences never overlap
    entries = bulk_entries(6)
    openers = "".join(f.opener.decode() for f in FORMATS)  # every format's opener in the text
    odd = entries[0].model_copy(
        update={"contributors": (), "title": openers, "paragraphs": ("<p>", '{"id":1}', f"\n{openers}\n")}
    )
    for entry in [*entries, odd]:
        data = Rendered(entry).data(site, index)
        assert data.startswith(fmt.opener)
        assert data.count(fmt.opener) == 1, entry.id  # at its start only, content escaped
    fallback = {"atom": atom._feedgen_entry, "rss": rss._feedgen_item}.get(fmt.ext)
    for entry in [*entries, odd] if fallback else ():
        data = fallback(site, entry_parts(site, entry))
        assert data.startswith(fmt.opener)
        assert data.count(fmt.opener) == 1, entry.id
