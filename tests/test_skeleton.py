"""A feed document is its skeleton filled in: head, the entries joined by one separator, tail, in
every format, whatever the document (subscription or archive page, with or without a digest);
skeletons kept in the process are those of the very document asked for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from feedsvc.records import PAPER, FeedRef
from feedsvc.render import skeleton as sk
from feedsvc.render.common import FeedDoc, Site
from feedsvc.render.feeds import FORMATS, Rendered, entry_bytes

from .render_helpers import bulk_entries, settings


def _site(tmp_path: Path) -> Site:
    return Site.from_settings(settings(tmp_path, max_entries=20, page_size=10))


def _docs(site: Site) -> list[FeedDoc]:
    when = site.local(dt.datetime(2024, 3, 1, 6, tzinfo=dt.UTC))
    section = FeedRef(kind="section", slug="yaowen")
    return [
        FeedDoc(ref=PAPER, title=site.title(""), updated=when, last=3),
        FeedDoc(
            ref=section, title=site.title("要闻"), subtitle='一个 <副标题> & 引号"', updated=when, last=0
        ),
        FeedDoc(ref=section, title=site.title("要闻"), updated=when, number=2, last=3),
        FeedDoc(ref=section, title=site.title("要闻"), updated=when, number=1, last=1),
    ]


@pytest.mark.parametrize("index", range(len(FORMATS)))
def test_a_document_is_its_skeleton_filled_in(tmp_path: Path, index: int) -> None:
    site = _site(tmp_path)
    entries = [Rendered(e).data(site, index) for e in bulk_entries(5)]
    for doc in _docs(site):
        for digest in ("0" * 64, "f" * 64):
            made = sk.skeleton(site, FORMATS[index].ext, FORMATS[index].document, doc, digest)
            assert made is not None
            for n in range(1, len(entries) + 1):
                whole = FORMATS[index].document(site, doc, entries[:n], digest)
                assert made.fill(entries[:n]) == whole


def test_kept_skeletons_are_the_documents_own(tmp_path: Path) -> None:
    """A skeleton kept for one document is never handed out for another: a document that differs
    in its `updated`, its links or its digest gets its own."""
    site, fmt = _site(tmp_path), FORMATS[0]
    doc = _docs(site)[2]
    entry = [b"<entry>x</entry>\n"]
    first = sk.skeleton(site, fmt.ext, fmt.document, doc, "a" * 64)
    assert first is not None and sk.skeleton(site, fmt.ext, fmt.document, doc, "a" * 64) is first
    others = [
        (doc, "b" * 64),
        (replace(doc, updated=doc.updated + dt.timedelta(days=1)), "a" * 64),
        (replace(doc, last=2), "a" * 64),  # the newest page now: no link to a newer one
        (replace(doc, title=site.title("新名字")), "a" * 64),
    ]
    for other, digest in others:
        made = sk.skeleton(site, fmt.ext, fmt.document, other, digest)
        assert made is not None and made != first
        assert made.fill(entry) == fmt.document(site, other, entry, digest)
    with pytest.raises(ValueError):
        first.fill([])


def test_a_document_without_both_markers_has_no_skeleton(tmp_path: Path) -> None:
    site, doc = _site(tmp_path), _docs(_site(tmp_path))[0]

    def drops_entries(site: Site, doc: FeedDoc, entries: object, digest: str | None) -> bytes:
        return b"<feed/>"

    def repeats_them(site: Site, doc: FeedDoc, entries: list[bytes], digest: str | None) -> bytes:
        return b"<feed>" + b"".join(entries) * 2 + b"</feed>"

    assert sk.skeleton(site, "odd", drops_entries, doc, "c" * 64) is None
    assert sk.skeleton(site, "odd2", repeats_them, doc, "c" * 64) is None  # type: ignore[arg-type]


def _shapes(site: Site) -> list[FeedDoc]:
    """Documents of every shape (feed kind, subscription with or without an archive, first, open
    and middle archive pages), with plain values of every length."""
    when = site.local(dt.datetime(2024, 3, 1, 6, tzinfo=dt.UTC))
    docs = []
    for n, (kind, slug, name) in enumerate(
        [("paper", "", ""), ("section", "yaowen", "要闻"), ("contributor", "dong-xiaoyu-2", "记者 董笑瑜")]
    ):
        ref = FeedRef(kind=kind, slug=slug)  # type: ignore[arg-type]
        title, subtitle = site.title(name), site.subtitle(ref, name)
        base = FeedDoc(ref=ref, title=title, subtitle=subtitle, updated=when + dt.timedelta(hours=n))
        docs += [replace(base, last=0), replace(base, last=7), replace(base, last=123)]
        for number, last in ((1, 1), (1, 3), (2, 2), (2, 5), (9, 10), (10, 10), (57, 1000)):
            docs.append(replace(base, number=number, last=last, updated=when - dt.timedelta(days=number)))
        docs.append(replace(base, subtitle="", last=4))
    return docs


@pytest.mark.parametrize("index", range(len(FORMATS)))
def test_a_skeleton_joined_from_its_shapes_cut_is_the_documents_own(tmp_path: Path, index: int) -> None:
    site, fmt = _site(tmp_path), FORMATS[index]
    sk._KEPT.clear()
    sk._CUTS.clear()
    entries = [Rendered(e).data(site, index) for e in bulk_entries(2)]
    for doc in _shapes(site):
        for digest in ("0" * 64, "9f" * 32):
            made = sk.skeleton(site, fmt.ext, fmt.document, doc, digest)
            assert made is not None and made.fill(entries) == fmt.document(site, doc, entries, digest)
    assert len(sk._CUTS) >= 12 and all(cut is not None for cut in sk._CUTS.values())  # all joined


def test_a_one_shot_ingest_makes_a_few_heads_not_two_per_document(tmp_path: Path) -> None:
    site, fmt = _site(tmp_path), FORMATS[0]
    sk._KEPT.clear()
    sk._CUTS.clear()
    made: list[FeedDoc] = []

    def document(site: Site, doc: FeedDoc, entries: object, digest: str | None) -> bytes:
        made.append(doc)
        return fmt.document(site, doc, entries, digest)  # type: ignore[arg-type]

    when = site.local(dt.datetime(2024, 3, 1, 6, tzinfo=dt.UTC))
    for n in range(40):  # a feed each, its subscription document and open page, before and after
        ref = FeedRef(kind="contributor", slug=f"person-{n}")
        name = f"记者 人{n}"
        for updated, last in ((when, 3), (when + dt.timedelta(days=1), 3)):
            doc = FeedDoc(ref=ref, title=site.title(name), subtitle=site.subtitle(ref, name), updated=updated)
            for one in (replace(doc, last=last), replace(doc, number=last, last=last)):
                assert sk.skeleton(site, fmt.ext, document, one, f"{n:064x}") is not None
    assert len(made) <= 4  # two shapes, each made with two sets of stand-ins


def test_a_cut_that_does_not_hold_is_not_taken(tmp_path: Path) -> None:
    """A format that writes a value changed (here the title in capitals) has no sound cut: each
    skeleton is made whole."""
    site, fmt = _site(tmp_path), FORMATS[0]
    sk._CUTS.clear()

    def shouting(site: Site, doc: FeedDoc, entries: Sequence[bytes], digest: str | None) -> bytes:
        return fmt.document(site, doc, entries, digest).replace(
            b"</feed>", doc.title.upper().encode() + b"</feed>"
        )

    for doc in _shapes(site)[:6]:
        made = sk.skeleton(site, fmt.ext, shouting, replace(doc, title=site.title("Abc")), "1" * 64)
        whole = shouting(site, replace(doc, title=site.title("Abc")), [b"<entry/>"], "1" * 64)
        assert made is not None and made.fill([b"<entry/>"]) == whole
    assert list(sk._CUTS.values()) and all(cut is None for cut in sk._CUTS.values())


@pytest.mark.parametrize("index", range(len(FORMATS)))
def test_a_document_filled_from_its_shapes_cut_is_the_one_made_whole(tmp_path: Path, index: int) -> None:
    """`filled` (a regenerate's documents): every shape, with plain values and with values a
    format escapes, with no entry, one and several, is the document the format makes, and the
    plain ones are joined from cuts, not made around a feedgen head."""
    site, fmt = _site(tmp_path), FORMATS[index]
    sk._CUTS.clear()
    entries = [Rendered(e).data(site, index) for e in bulk_entries(3)]
    escaped = [replace(doc, title=site.title("要闻 & <特刊>")) for doc in _shapes(site)[:8]]
    made: list[tuple[FeedDoc, int]] = []

    def document(site: Site, doc: FeedDoc, entries: Sequence[bytes], digest: str | None) -> bytes:
        made.append((doc, len(entries)))
        return fmt.document(site, doc, entries, digest)

    for doc in [*_shapes(site), *escaped, *_docs(site)]:
        for n in (0, 1, 3):
            whole = fmt.document(site, doc, entries[:n], "7" * 64)
            assert sk.filled(site, fmt.ext, document, doc, entries[:n], digest="7" * 64) == whole, (doc, n)
    stand_in_titles = {sk._STAND_INS[0][3], sk._STAND_INS[1][3]}
    whole_with_entries = {d for d, n in made if n and d.title not in stand_in_titles}
    assert whole_with_entries == {d for d in [*escaped, *_docs(site)] if not sk._plain(d)}
    assert len([d for d, _ in made if d.title in stand_in_titles]) == 2 * len(sk._CUTS)  # two a shape


def test_entry_bytes_are_each_entrys_bytes_in_the_format(tmp_path: Path) -> None:
    """`feeds.entry_bytes`: the bytes each entry renders to, whether all, some or none of the
    entries have them already; an entry slimmed before it was rendered is refused as before."""
    site = _site(tmp_path)
    entries = bulk_entries(4)
    for index in range(len(FORMATS)):
        whole = [Rendered(e).data(site, index) for e in entries]
        fresh = [Rendered(e) for e in entries]
        some = [Rendered(e) for e in entries]
        some[1].data(site, index)
        assert entry_bytes(site, fresh, index) == whole
        assert entry_bytes(site, some, index) == whole
        assert entry_bytes(site, fresh, index) == whole  # now all made
    slimmed = Rendered(entries[0])
    slimmed.partial = True
    with pytest.raises(RuntimeError, match="slimmed before it was rendered"):
        entry_bytes(site, [slimmed], 0)
