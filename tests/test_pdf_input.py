"""The PDF front end: what it reads from a page's geometry, its photos, and the PDFs it refuses.

Pages are made here with reportlab (tests/pdf_helpers.py); the sample page's PDF
(tests/data/pages/qiantang-2023-06-26-p1.pdf, from an independent generator) is scored against
its reference parse. Generated broadsheet pages are tested in test_pdf_generated.py.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from feedsvc import preview
from feedsvc.errors import ParseError
from feedsvc.models import Issue
from feedsvc.parse.pdf import PdfParse, parse_pdf
from feedsvc.parse.pdf.photos import MAX_SIDE
from feedsvc.parse.submission import parse_submission
from tests.parse_helpers import HINTS, people, squash
from tests.pdf_helpers import LEAD, SENTENCE, Sheet, article_page
from tests.scoring import score

PAGES = Path(__file__).parent / "data" / "pages"
SAMPLE_PDF = PAGES / "qiantang-2023-06-26-p1.pdf"


def read(sheet: Sheet, name: str = "paper-2023-06-26-p2.pdf") -> PdfParse:
    return parse_pdf(sheet.pdf(), source=name, hints=HINTS)


def as_json(issue: Issue) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(preview.as_json(issue))
    return parsed


# -- the sample page ------------------------------------------------------------------------------------


def test_sample_pdf_parses_to_its_reference_with_the_photo_carried() -> None:
    parsed = parse_pdf(SAMPLE_PDF.read_bytes(), source=SAMPLE_PDF.name, hints=HINTS)
    reference = json.loads((PAGES / "qiantang-2023-06-26-p1.reference.json").read_text(encoding="utf-8"))
    result = score(reference, as_json(parsed.issue))
    assert result.score == 1.0, "\n".join(result.problems)
    photo = next(item for item in parsed.issue.items if item.kind == "photo")
    assert len(photo.images) == 1
    ref = photo.images[0]
    assert ref.path == "images/2023/06/26/p1-1.jpg" and set(parsed.images) == {ref.path}
    with Image.open(io.BytesIO(parsed.images[ref.path])) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == (ref.width, ref.height)
    # the photo is printed inside the article on 基层治理 (below its columns): that article has it too
    hosts = [item for item in parsed.issue.items if item.kind == "article" and item.images]
    assert [item.headline for item in hosts] == ["打造具有钱塘特色基层治理品牌"]
    # the nameplate is an image too, in the masthead: not a photo
    assert len(parsed.images) == 1


# -- layout from geometry ---------------------------------------------------------------------------------


def test_a_heading_deck_is_read_by_size_and_place() -> None:
    item = read(article_page()).issue.items[0]
    assert (item.kicker, item.headline, item.subtitle) == (
        "区委书记在全区工作推进会上强调",
        "以考促干以考争先汇聚强大动能",
        "——全区综合考核工作推进会侧记",
    )
    assert people(item) == [("记者", "郁佳炜", None)]
    assert item.dateline == "本报讯 6月25日"
    assert squash(item.text) == squash(LEAD + SENTENCE * 6)


def test_a_headline_above_its_kicker_size_wins_whatever_the_order_drawn() -> None:
    """Two lines over a text, the larger one second: kicker then headline (the text route would
    read a two-line title the same way, but it cannot tell a headline over a subtitle)."""
    s = Sheet()
    s.text(100, 40, "主标题放在上面字号最大", 28)
    s.text(120, 78, "副题在下面字号较小没有破折号", 14)
    s.column(40, 110, LEAD + SENTENCE)
    item = read(s).issue.items[0]
    assert (item.kicker, item.headline, item.subtitle) == (
        None,
        "主标题放在上面字号最大",
        "副题在下面字号较小没有破折号",
    )


def side_by_side(interleaved: bool) -> Sheet:
    """Two articles side by side, each over two columns, the left one's text ending mid-page. With
    `interleaved`, their lines are drawn alternately (the content order an exporter follows)."""
    s = Sheet()
    s.text(40, 40, "左边文章的标题", 24)
    s.text(330, 40, "右边文章的标题", 24)
    s.rule(305, 30, 305, 700)
    left = Sheet()
    right = Sheet()
    left.column(40, 90, LEAD + SENTENCE * 4, chars=12)
    left.column(170, 90, SENTENCE * 2 + "继续写下去但是没有写完", chars=12)
    right.column(330, 90, "本报讯 右边文章的导语，" + SENTENCE * 3, chars=12)
    right.column(460, 90, SENTENCE * 3, chars=12)
    if interleaved:
        for a, b in zip(left.pages[0], right.pages[0], strict=False):
            s.pages[0] += [a, b]
        longer = max(left.pages[0], right.pages[0], key=len)
        s.pages[0] += longer[min(len(left.pages[0]), len(right.pages[0])) :]
    else:
        s.pages[0] += left.pages[0] + right.pages[0]
    return s


@pytest.mark.parametrize("interleaved", [False, True])
def test_side_by_side_articles_keep_their_own_columns(interleaved: bool) -> None:
    items = read(side_by_side(interleaved)).issue.items
    assert [item.headline for item in items] == ["左边文章的标题", "右边文章的标题"]
    assert items[0].text == LEAD + SENTENCE * 6 + "继续写下去但是没有写完"
    assert squash(items[1].text) == "本报讯右边文章的导语，" + SENTENCE * 6


def test_a_rule_ends_an_article_and_a_byline_below_it_opens_one_without_headline() -> None:
    s = Sheet()
    s.text(60, 40, "上面一篇文章的标题", 24)
    s.column(40, 80, LEAD + SENTENCE * 2, chars=30)
    s.rule(40, 240, 560, 240)
    s.text(40, 255, "■记者 董笑瑜", 10)
    s.column(40, 275, "本报讯 6月23日下午，" + SENTENCE * 2, chars=30)
    issue = read(s).issue
    assert [(item.headline, item.title_derived) for item in issue.items] == [
        ("上面一篇文章的标题", False),
        (None, True),
    ]
    assert people(issue.items[1]) == [("记者", "董笑瑜", None)]
    assert issue.items[1].dateline == "本报讯 6月23日下午"


# -- photos ---------------------------------------------------------------------------------------------------


def photo_page(px: tuple[int, int] = (480, 320), seed: int = 1) -> Sheet:
    """An article over two columns with a photo set in its second column, its caption (a title line,
    the text) and its credit under the photo."""
    s = Sheet()
    s.text(80, 40, "文章标题在这里", 24)
    s.column(40, 80, LEAD + SENTENCE * 5, chars=24)
    s.image(310, 80, 250, 160, px=px, seed=seed)
    s.text(310, 246, "钱塘绿岛即将开放", 12)
    s.text(310, 264, "位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米。", 9)
    s.text(470, 280, "通讯员 张祥荣 摄", 9)
    s.column(310, 310, SENTENCE * 3, chars=24)
    return s


def test_a_photo_is_cut_out_and_carried_by_its_caption_and_the_article_it_sits_in() -> None:
    parsed = read(photo_page())
    article, photo = parsed.issue.items
    assert photo.kind == "photo" and photo.headline == "钱塘绿岛即将开放"
    assert photo.text == "位于河庄街道江东村的钱塘绿岛项目，总面积约为7万平方米。"
    assert people(photo) == [("通讯员", "张祥荣", "摄")]
    assert squash(article.text) == squash(LEAD + SENTENCE * 8)  # the text under the caption goes on
    assert photo.images == article.images and len(photo.images) == 1
    ref = photo.images[0]
    assert ref.path == "images/2023/06/26/p2-1.jpg"
    assert ref.bbox == pytest.approx((310, 80, 560, 240), abs=0.6)
    assert (ref.width, ref.height) == (480, 320)
    with Image.open(io.BytesIO(parsed.images[ref.path])) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == (480, 320) and not jpeg.getexif()


def test_photo_bytes_are_deterministic_and_at_most_1600_px() -> None:
    first = read(photo_page(px=(2400, 1600)))
    again = read(photo_page(px=(2400, 1600)))
    assert first.images == again.images
    ((path, data),) = first.images.items()
    with Image.open(io.BytesIO(data)) as jpeg:
        assert max(jpeg.size) == MAX_SIDE and jpeg.size == (1600, 1067)
    assert first.issue.items[1].images[0].width == 1600
    assert read(photo_page(px=(2400, 1600), seed=2)).images[path] != data


def test_nameplate_logo_and_ornaments_are_not_photos() -> None:
    s = Sheet()
    s.image(40, 20, 300, 70, px=(600, 140))  # the nameplate, in the masthead band
    s.text(380, 30, "2023年6月26日 星期一 今日4版 总第521期", 10)
    s.rule(40, 100, 560, 100)
    s.image(520, 120, 24, 24, px=(64, 64))  # an icon
    s.image(40, 700, 520, 20, px=(1040, 40))  # a decorative strip
    s.text(80, 120, "文章标题在这里", 24)
    s.column(40, 160, LEAD + SENTENCE * 3, chars=30)
    parsed = read(s)
    assert parsed.images == {}
    assert [item.images for item in parsed.issue.items] == [()]
    assert parsed.issue.issue_number == 521


# -- the front end as the commands use it -------------------------------------------------------------------


def test_submissions_are_told_apart_by_their_bytes() -> None:
    pdf = parse_submission(SAMPLE_PDF.read_bytes(), source="renamed.txt", hints=HINTS)
    text = parse_submission((PAGES / "qiantang-2023-06-26-p1.txt").read_bytes(), source="p.txt", hints=HINTS)
    assert len(pdf.images) == 1 and text.images == {}
    assert [squash(i.title) for i in pdf.issue.items] == [squash(i.title) for i in text.issue.items]


def test_parse_command_shows_each_items_images(capsys: pytest.CaptureFixture[str]) -> None:
    from feedsvc.cli import main

    assert main(["parse", str(SAMPLE_PDF), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    images = [item["images"] for page in shown["pages"] for item in page["items"]]
    assert sum(1 for found in images if found) == 2
    assert all(set(image) == {"path", "width", "height", "bbox"} for found in images for image in found)


# -- bad PDFs -------------------------------------------------------------------------------------------------


def _scan() -> bytes:
    s = Sheet()
    s.image(0, 0, 600, 800, px=(300, 400))  # the page as a picture, no text
    return s.pdf()


def _many_pages() -> bytes:
    s = Sheet()
    for n in range(70):
        if n:
            s.new_page()
        s.text(40, 40, "标题", 20)
    return s.pdf()


def _unmapped() -> bytes:
    """Text in an embedded TrueType subset whose ToUnicode map is gone: glyphs, no characters."""
    from reportlab.pdfgen import canvas

    from tests.pdfpages.draw import register_fonts

    register_fonts()  # the generator's TrueType faces (Debian packages that .ci/run installs)
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(600, 800), invariant=1)
    c.setFont("Ming", 12)
    for k in range(10):
        c.drawString(40, 760 - 16 * k, SENTENCE)
    c.save()
    data = out.getvalue()
    assert b"/ToUnicode" in data
    return data.replace(b"/ToUnicode", b"/ToUnicodX")  # same length: the file stays well-formed


BAD = {
    "encrypted": (lambda: article_page().pdf(encrypt="secret"), r"^encrypted: .*password"),
    "truncated": (lambda: article_page().pdf()[:1500], r"^damaged: "),
    "corrupt": (lambda: b"%PDF-1.4\n" + bytes(range(256)) * 40, r"^damaged: "),
    "scan": (_scan, r"^no text layer: export the page with its text, or OCR it first$"),
    "unmapped": (_unmapped, r"^fonts without a Unicode mapping: (about )?\d+ of \d+ characters"),
    "too many pages": (_many_pages, r"^70 pages: more than an issue has"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_pdf_is_refused_with_one_line_naming_the_file_and_why(case: str) -> None:
    make, reason = BAD[case]
    name = f"bad {case}-2023-06-26-p1.pdf"
    with pytest.raises(ParseError) as caught:
        parse_pdf(make(), source=name, hints=HINTS)
    error = caught.value
    assert error.source == name and re.search(reason, error.reason), error.reason
    assert "\n" not in str(error) and str(error).startswith(f"{name}: ")
