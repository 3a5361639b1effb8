"""Photos in the feeds: an item's photos (`Item.images`, the PDF route) go through the store into
Atom (an `<img>` in the content, a `link rel="enclosure"` with type and length) and JSON Feed
(`image`, an `attachments` entry with mime type and size), deterministically and valid."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import feedparser

from feedsvc import pipeline
from feedsvc.config import PathSettings
from feedsvc.models import Contributor, ImageRef, Issue, Item, Page
from feedsvc.publish import build_all, write
from feedsvc.records import EntryImage
from feedsvc.store import Store
from feedsvc.store.schema import DB_NAME
from tests.pdfpages import generate
from tests.render_helpers import BASE, CST, check_outputs, settings

DAY = dt.date(2023, 6, 26)
NOW = dt.datetime(2023, 6, 26, 5, 0, tzinfo=CST)
PHOTO = "images/2023/06/26/p1-1.jpg"
BOX = (40.0, 300.0, 420.0, 553.0)
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20 + b"\xff\xd9"


def issue(photo_path: str = PHOTO) -> Issue:
    ref = ImageRef(path=photo_path, width=800, height=533, bbox=BOX)
    photo = Item(
        kind="photo",
        headline="钱塘绿岛即将开放",
        title="钱塘绿岛即将开放",
        contributors=(Contributor(role="通讯员", name="张祥荣", credit="摄"),),
        paragraphs=("位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米。",),
        images=(ref,),
    )
    article = Item(
        headline="绿岛项目建设提速",
        title="绿岛项目建设提速",
        contributors=(Contributor(role="记者", name="董笑瑜"),),
        paragraphs=("本报讯 绿岛项目建设提速 & 进展顺利。",),
        images=(ref,),  # the photo sits inside this article: it carries it too
    )
    plain = Item(headline="区委常委会召开会议", title="区委常委会召开会议", paragraphs=("本报讯 会议召开。",))
    page = Page(
        number=1, number_from="header", section="要闻", section_from="header", items=(photo, article, plain)
    )
    return Issue(date=DAY, pages=(page,))


def publish(tmp_path: Path, images: dict[str, bytes]) -> dict[str, bytes]:
    conf = settings(tmp_path / "out")
    with Store.open(tmp_path / "store") as store:
        submission = store.add_submission("p1.pdf", b"%PDF-1.4 page", NOW)
        store.apply(issue(), submission_id=submission.id, settings=conf, now=NOW, images=images)
        return check_outputs(build_all(store, conf))


def test_store_keeps_an_items_photos_with_their_size(tmp_path: Path) -> None:
    conf = settings(tmp_path / "out")
    with Store.open(tmp_path / "store") as store:
        submission = store.add_submission("p1.pdf", b"%PDF-1.4 page", NOW)
        store.apply(issue(), submission_id=submission.id, settings=conf, now=NOW, images={PHOTO: JPEG})
        photo, article, plain = store.issue_entries(DAY)
    want = (EntryImage(path=PHOTO, width=800, height=533, bbox=BOX, length=len(JPEG)),)
    assert photo.images == want and article.images == want and plain.images == ()


def test_atom_gives_the_photo_in_the_content_and_as_an_enclosure(tmp_path: Path) -> None:
    out = publish(tmp_path, {PHOTO: JPEG})
    parsed = feedparser.parse(out["feed.atom"])
    by_title = {e.title: e for e in parsed.entries}
    for title in ("钱塘绿岛即将开放", "绿岛项目建设提速"):
        entry = by_title[title]
        assert entry.enclosures == [{"href": BASE + PHOTO, "type": "image/jpeg", "length": str(len(JPEG))}]
        content = entry.content[0].value  # as a reader sees it (feedparser sorts the attributes)
        assert f'<img alt="{title}" height="533" src="{BASE + PHOTO}" width="800" />' in content
    plain = by_title["区委常委会召开会议"]
    assert plain.enclosures == [] and "<img" not in plain.content[0].value
    raw = out["feed.atom"].decode()
    assert f'<link href="{BASE + PHOTO}" rel="enclosure" type="image/jpeg" length="{len(JPEG)}"/>' in raw


def test_json_feed_gives_the_photo_as_image_and_attachment(tmp_path: Path) -> None:
    out = publish(tmp_path, {PHOTO: JPEG})
    items = {item["title"]: item for item in json.loads(out["feed.json"])["items"]}
    for title in ("钱塘绿岛即将开放", "绿岛项目建设提速"):
        item = items[title]
        assert item["image"] == BASE + PHOTO
        assert item["attachments"] == [
            {"url": BASE + PHOTO, "mime_type": "image/jpeg", "size_in_bytes": len(JPEG)}
        ]
        assert f'<img src="{BASE + PHOTO}"' in item["content_html"]
    assert "image" not in items["区委常委会召开会议"] and "attachments" not in items["区委常委会召开会议"]
    # the contributor's and the section's feeds carry the same item bytes
    photographer = next(p for p in out if p.startswith("contributors/") and p.endswith(".json"))
    assert json.loads(out[photographer])["items"][0]["attachments"][0]["size_in_bytes"] == len(JPEG)


def test_rss_gives_the_first_photo_as_the_items_enclosure(tmp_path: Path) -> None:
    out = publish(tmp_path, {PHOTO: JPEG})
    by_title = {e.title: e for e in feedparser.parse(out["feed.rss"]).entries}
    for title in ("钱塘绿岛即将开放", "绿岛项目建设提速"):
        assert by_title[title].enclosures == [
            {"href": BASE + PHOTO, "length": str(len(JPEG)), "type": "image/jpeg"}
        ]
    assert by_title["区委常委会召开会议"].enclosures == []
    assert publish(tmp_path / "unknown", {})["feed.rss"].count(b'length="0" type="image/jpeg"/>') == 2


def test_an_unknown_size_leaves_the_length_out(tmp_path: Path) -> None:
    out = publish(tmp_path, {})
    assert b'rel="enclosure" type="image/jpeg"/>' in out["feed.atom"]
    items = json.loads(out["feed.json"])["items"]
    assert {"url": BASE + PHOTO, "mime_type": "image/jpeg"} in [
        a for i in items for a in i.get("attachments", [])
    ]


def test_same_store_same_bytes(tmp_path: Path) -> None:
    assert publish(tmp_path / "a", {PHOTO: JPEG}) == publish(tmp_path / "b", {PHOTO: JPEG})


def test_a_changed_photo_updates_the_items_that_carry_it(tmp_path: Path) -> None:
    conf = settings(tmp_path / "out")
    later = NOW + dt.timedelta(hours=3)
    with Store.open(tmp_path / "store") as store:
        first = store.add_submission("p1.pdf", b"%PDF-1.4 page", NOW)
        store.apply(issue(), submission_id=first.id, settings=conf, now=NOW, images={PHOTO: JPEG})
        second = store.add_submission("p1.pdf", b"%PDF-1.4 page, photo recropped", later)
        changes = store.apply(
            issue(), submission_id=second.id, settings=conf, now=later, images={PHOTO: JPEG[:-100]}
        )
        assert (
            store.apply(
                issue(), submission_id=second.id, settings=conf, now=later, images={PHOTO: JPEG[:-100]}
            )
            == ()
        )
    edited = {c.after.title: c for c in changes if c.after is not None and c.before is not None}
    assert set(edited) == {"钱塘绿岛即将开放", "绿岛项目建设提速"}
    for change in edited.values():
        assert change.after is not None and change.before is not None
        assert change.after.images[0].length == len(JPEG) - 100
        assert change.after.updated > change.before.updated


def test_a_store_made_before_photos_gets_their_table(tmp_path: Path) -> None:
    conf = settings(tmp_path / "out")
    with Store.open(tmp_path / "store") as store:
        submission = store.add_submission("p1.pdf", b"%PDF-1.4 page", NOW)
        store.apply(issue(), submission_id=submission.id, settings=conf, now=NOW)
    with sqlite3.connect(tmp_path / "store" / DB_NAME) as db:  # as a store made before photos were kept
        db.execute("DROP TABLE item_images")
    with Store.open(tmp_path / "store") as store:
        assert [e.images for e in store.issue_entries(DAY)] == [(), (), ()]
        submission = store.add_submission("p1b.pdf", b"%PDF-1.4 page b", NOW)
        store.apply(issue(), submission_id=submission.id, settings=conf, now=NOW, images={PHOTO: JPEG})
        assert store.issue_entries(DAY)[0].images[0].length == len(JPEG)


def test_a_generated_page_pdf_is_published_with_its_photos(tmp_path: Path) -> None:
    """End to end: a generated page PDF ingested; its photos are published, and each enclosure and
    attachment names a published JPEG with its exact size. (That every printed photo is found is
    test_pdf_generated's business.)"""
    page = generate(21, "photos")
    source = tmp_path / "inbox" / f"page-{page.seed}.pdf"
    source.parent.mkdir()
    source.write_bytes(page.pdf)
    base = settings(tmp_path / "out")
    conf = base.model_copy(
        update={
            "paper": base.paper.model_copy(update={"name": page.paper, "name_en": page.name_en}),
            "paths": PathSettings(
                inbox=tmp_path / "inbox", store=tmp_path / "store", output=tmp_path / "out"
            ),
        }
    )
    day = dt.date.fromisoformat(page.truth["date"])
    pipeline.ingest_file(conf, source, dt.datetime.combine(day, dt.time(12), tzinfo=CST))
    out = tmp_path / "out"
    files = check_outputs(
        (p.relative_to(out).as_posix(), p.read_bytes()) for p in out.rglob("*.*") if p.is_file()
    )
    published = {path: len(data) for path, data in files.items() if path.startswith("images/")}
    assert published
    atom = feedparser.parse(files["feed.atom"])
    enclosures = {(e.href, int(e.length)) for entry in atom.entries for e in entry.enclosures}
    assert enclosures == {(BASE + path, size) for path, size in published.items()}
    items = json.loads(files["feed.json"])["items"]
    attachments = {(a["url"], a["size_in_bytes"]) for item in items for a in item.get("attachments", [])}
    assert attachments == enclosures
    rss = feedparser.parse(files["feed.rss"])
    assert {(e.href, int(e.length)) for entry in rss.entries for e in entry.enclosures} <= enclosures
    assert all(item["image"] == item["attachments"][0]["url"] for item in items if "attachments" in item)


def test_feeds_follow_a_photo_whose_bytes_come_later(tmp_path: Path) -> None:
    """Stored first without its bytes (no length), then with them: the feeds are written again."""
    conf = settings(tmp_path / "out")
    with Store.open(tmp_path / "store") as store:
        first = store.add_submission("p1.pdf", b"%PDF-1.4 page", NOW)
        store.apply(issue(), submission_id=first.id, settings=conf, now=NOW)
        write(tmp_path / "out", build_all(store, conf))
        assert b'length="' not in (tmp_path / "out" / "feed.atom").read_bytes()
        store.apply(issue(), submission_id=first.id, settings=conf, now=NOW, images={PHOTO: JPEG})
        after = dict(build_all(store, conf))  # documents whose digest is current are kept, not built
    assert f'length="{len(JPEG)}"'.encode() in after["feed.atom"]
