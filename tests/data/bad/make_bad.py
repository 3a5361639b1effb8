"""The hostile-submission corpus: every file in tests/data/bad/, and the ones made at test time.

    .venv/bin/python tests/data/bad/make_bad.py            check the committed files match (exit 1 if not)
    .venv/bin/python tests/data/bad/make_bad.py --write    (re)write the committed files
    .venv/bin/python tests/data/bad/make_bad.py --generated DIR
                                                           make the test-time files in DIR (an inbox)

What each file must come to is in EXPECTED.toml beside this script. Files too big to commit (a
50 MB file, a 1 MB line), links (a symlink out of the inbox) and names git or some checkouts handle
badly (a newline, bytes that are not UTF-8, dotfiles and partial uploads) are made by `generated()`.
Deterministic: the same bytes on every run.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
MASTHEAD = "2023年6月27日 农历癸卯年五月初十 今日4版总第522期"
FURNITURE = (
    "主办 中共钱塘区委 出版 杭州日报报业集团\n\nQIANTANG NEW AREA DAILY\n\n82987136\n\n"
    "投稿邮箱 qtxqdaily@126.com 征订服务热线 江东片区:83523999 下沙西站:86922565"
)
HEADLINE = "白杨街道举办 社区邻里节活动"
BYLINE = "■记者 郁佳炜"
BODY = (
    "本报讯 6月26日,白杨街道在伊萨卡 社区举办第三届邻里节,来自辖区 各社区的居民代表和志愿者共计 三百余人参加了此次活动。",
    "活动现场设置了美食分享、手工 制作、文艺表演等多个板块,居民 们纷纷拿出自家的拿手好菜,邻里 之间其乐融融。",
)
SECOND = (
    "下沙大学城 新增三条公交线路\n\n■记者 董笑瑜 通讯员 张祥荣\n\n"
    "本报讯 6月26日,记者从区交通运输局获悉,为方便大学城师生出行, 下沙大学城新增三条公交线路,"
    "将于7月1日起正式开通运营。"
)


def _gzip(data: bytes) -> bytes:
    """gzip bytes the same on every Python: the header's OS byte is 255 ("unknown"), as 3.13
    writes it (3.11 wrote 3, "Unix")."""
    out = bytearray(gzip.compress(data, mtime=0))
    out[9] = 255
    return bytes(out)


def page(
    headline: str = HEADLINE,
    byline: str = BYLINE,
    body: tuple[str, ...] = BODY,
    *,
    top: str = f"{MASTHEAD}\n\n{FURNITURE}",
    second: bool = True,
) -> str:
    """A small valid front page (masthead, furniture, two articles) with parts replaced."""
    blocks = [top, headline, byline, *body, SECOND if second else ""]
    return "\n\n".join(b for b in blocks if b) + "\n"


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _pdf() -> bytes:
    stream = _random_bytes(1500, 7)
    return (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n"
        + f"4 0 obj\n<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
        + stream
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo("qiantang-2023-06-27-p1.txt", date_time=(2023, 6, 27, 6, 0, 0))
        archive.writestr(info, _utf8(page()))
    return buffer.getvalue()


def _mixed_encodings() -> bytes:
    lines = page().split("\n")
    half = len(lines) // 2
    return "\n".join(lines[:half]).encode("utf-8") + b"\n" + "\n".join(lines[half:]).encode("gb18030")


def _with_invalid_utf8() -> bytes:
    text = _utf8(page())
    at = text.index("邻里节活动".encode())
    return text[:at] + b"\xff\xc0\xed\xa0\x80" + text[at:]  # stray bytes and an encoded surrogate


def _many_items() -> str:
    stories = [
        f"社区活动第{n}场举行\n\n■记者 郁佳炜\n\n本报讯 6月26日,社区举办第{n}场便民服务活动,居民踊跃参加。"
        for n in range(1, 301)
    ]
    return f"{MASTHEAD}\n\n" + "\n\n".join(stories) + "\n"


def _many_pages() -> str:
    pages = [
        f"第{n}版 综合\n\n第{n}版新闻标题\n\n■记者 郁佳炜\n\n本报讯 6月26日,这是第{n}版的一条新闻。"
        for n in range(2, 302)
    ]
    return page() + "\f" + "\f".join(pages)


_XSS_HEADLINE = "<script>alert(1)</script>钱塘新闻发布"
_XSS_BODY = (
    "本报讯 6月26日,<img src=x onerror=alert(1)>区里召开会议]]>研究&amp;部署&lt;工作&#x41;,"
    "会议强调<![CDATA[要]]>狠抓落实{{7*7}}${jndi:ldap://x/a}。",
    "与会人员表示\"引号\"和'单引号'以及</p></div></body>都要原样保留。",
)
_UNICODE_BODY = (
    "本报讯 6月26日,活动现场👍🏽点赞不断,一家人👨\u200d👩\u200d👧其乐融融,"
    "阿拉伯语مرحبا和希伯来语שלום也出现在横幅上。",
    "组合字符e\u0301\u0338\u0321\u031b与零宽\u200b连接\u200d符\u200c以及变体选择符✈\ufe0f、"
    "扩展汉字𠀀𪚥和行分隔\u2028段分隔\u2029都要安全处理。",
)
_CONTROL_BODY = (
    "本报讯 6月26日,会议\x01召开\x02研究\x03部署\x07工作\x08,强调\x0b要\x0e狠抓\x1f落实\x7f。",
    "终端转义\x1b[2J\x1b[31m红字\x1b[0m和非字符\ufffe\uffff也不能进入订阅源。",
)

COMMITTED: dict[str, Callable[[], bytes]] = {
    "empty.txt": lambda: b"",
    "whitespace-only.txt": lambda: _utf8(" \t\n\n\u3000\u3000\n\r\n   \n\t\f\n \u00a0\n"),
    "bom-only.txt": lambda: b"\xef\xbb\xbf",
    "binary-random.bin": lambda: _random_bytes(4096, 1),
    "binary-random.txt": lambda: _random_bytes(2048, 2),
    "pdf-bytes.pdf": _pdf,
    "pdf-renamed.txt": _pdf,
    "image.png": _png,
    "archive-with-page.zip": _zip,
    "page.txt.gz": lambda: _gzip(_utf8(page())),
    "nul-inside.txt": lambda: _utf8(
        page(body=("本报讯 6月26日,白杨\x00街道在伊萨卡社区\x00举办邻里节。", *BODY[1:]))
    ),
    "utf16le-no-bom.txt": lambda: page().encode("utf-16-le"),
    "gb18030.txt": lambda: page().encode("gb18030"),
    "mixed-utf8-gb18030.txt": _mixed_encodings,
    "utf8-invalid-bytes.txt": _with_invalid_utf8,
    "utf8-truncated.txt": lambda: _utf8(page())[:-5],
    "utf16-bom.txt": lambda: page().encode("utf-16"),
    "utf16be-bom.txt": lambda: b"\xfe\xff" + page().encode("utf-16-be"),
    "utf32-bom.txt": lambda: page().encode("utf-32"),
    "utf8-bom.txt": lambda: b"\xef\xbb\xbf" + _utf8(page()),
    "crlf.txt": lambda: _utf8(page().replace("\n", "\r\n")),
    "cr-only.txt": lambda: _utf8(page().replace("\n", "\r")),
    "xml-illegal-chars.txt": lambda: _utf8(page("钱塘\x01新闻\x1b[31m标题\ufffe发布", body=_CONTROL_BODY)),
    "xss-markup.txt": lambda: _utf8(page(_XSS_HEADLINE, body=_XSS_BODY)),
    "xss-byline.txt": lambda: _utf8(page(byline="■记者 <b>张三</b> 通讯员 &amp;李四")),
    "headline-10000-chars.txt": lambda: _utf8(page("钱塘新闻" * 2500)),
    "byline-50-names.txt": lambda: _utf8(
        page(byline="■记者 " + " ".join(("张伟", "李静", "王鹏", "赵磊", "陈晨") * 10))
    ),
    "names-path-traversal.txt": lambda: _utf8(
        page(byline="■记者 ../../etc 通讯员 /etc/passwd", body=(*BODY, "记者 .. 摄"))
    ),
    "furniture-only.txt": lambda: _utf8(f"{MASTHEAD}\n\n{FURNITURE}\n\n倒计时89天\n"),
    "headline-only.txt": lambda: _utf8(f"{MASTHEAD}\n\n{HEADLINE}\n"),
    "page-header-only.txt": lambda: _utf8("2023年6月27日 星期二 第2版 综合\n"),
    "byline-only.txt": lambda: _utf8(f"{BYLINE}\n"),
    "random-unicode.txt": lambda: _utf8(page("钱塘🎉新闻\u202etxt.exe\u202c发布", body=_UNICODE_BODY)),
    "form-feeds-only.txt": lambda: b"\f" * 10000,
    "form-feeds-around.txt": lambda: _utf8("\f" * 3000 + page() + "\f\n\f" * 2000),
    "many-items.txt": lambda: _utf8(_many_items()),
    "many-pages.txt": lambda: _utf8(_many_pages()),
    "brackets-redos.txt": lambda: _utf8(
        page(body=("本报讯(" + "（记者 张三" * 3000, "本报" + "电" * 5000, *BODY), second=False)
    ),
    "one-sentence-2023-06-27-p3.txt": lambda: _utf8("本报讯 6月26日,区里召开会议,研究部署防汛备汛工作。\n"),
    "latin1-mojibake.txt": lambda: page().encode("utf-8").decode("latin-1").encode("utf-8"),
    "ascii-only.txt": lambda: (
        b"Lorem ipsum dolor sit amet.\n\nConsectetur adipiscing elit, sed do eiusmod.\n"
    ),
    "vertical-tabs.txt": lambda: _utf8(page(body=tuple(b.replace(" ", "\x0b") for b in BODY))),
    "rtf-export.rtf": lambda: (
        b"{\\rtf1\\ansi\\ansicpg936 {\\fonttbl\\f0\\fnil SimSun;}\\f0\\fs24 "
        + "".join(f"\\u{ord(ch)}?" for ch in page()).encode()
        + b"}"
    ),
    "data.json": lambda: b'{"date": "2023-06-27", "items": [], "pages": 4}\n',
    "article.json": lambda: _utf8(
        f'{{"headline": "{HEADLINE}", "byline": "记者 郁佳炜", "text": "{BODY[0]}"}}\n'
    ),
    "page.html": lambda: _utf8(
        f"<!DOCTYPE html><html><head><title>{HEADLINE}</title></head><body><h1>{HEADLINE}</h1>"
        f"<p>{BYLINE}</p><p>{BODY[0]}</p><p>{BODY[1]}</p></body></html>\n"
    ),
    "date-impossible.txt": lambda: _utf8(page(top="2023年2月30日 农历癸卯年二月初十 今日4版总第522期")),
    "date-future.txt": lambda: _utf8(page(top="2099年6月27日 农历己未年五月初十 今日4版总第99999期")),
    "page-number-huge-2023-06-27.txt": lambda: _utf8(
        "2023年6月27日 星期二 第99999版 综合\n\n" + page(top="第200版 综合", second=False)
    ),
    "name with spaces 钱塘 2023-06-27 p1.txt": lambda: _utf8(page()),
    "bad..name-2023-06-27-p1.txt": lambda: _utf8(page()),
    "-rf.txt": lambda: _utf8(page()),
}


def generated(directory: Path) -> list[Path]:
    """Make the test-time files in `directory` (an inbox); returns their paths. A symlink's target
    is made beside `directory`, outside it."""
    directory.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []

    def put(name: str | bytes, data: bytes) -> None:
        path = directory / os.fsdecode(name)
        path.write_bytes(data)
        made.append(path)

    valid = _utf8(page())
    filler = "本报讯 6月26日,白杨街道举办邻里节活动,居民代表和志愿者共计三百余人参加。"
    line = (filler * (1_000_000 // len(_utf8(filler)) + 1)).encode()[:1_000_000]
    put("huge-line-1mb-2023-06-27-p1.txt", line.decode("utf-8", "ignore").encode())
    block = valid * (50_000_000 // len(valid) + 1)
    put("huge-50mb.txt", block[: block.rindex(b"\n", 0, 50_000_000) + 1])
    outside = directory.parent / "outside-the-inbox.txt"
    outside.write_bytes(_utf8("SECRET outside the inbox\n" + page()))
    link = directory / "symlink-outside.txt"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(outside)
    made.append(link)
    put("newline\nin-name-2023-06-27-p1.txt", valid)
    put(b"not-utf8-\xff\xfe-name.txt", valid)
    put(".hidden-2023-06-27-p1.txt", valid)
    put("upload-in-progress.txt.part", valid[: len(valid) // 2])
    return made


GENERATED = (
    "huge-line-1mb-2023-06-27-p1.txt",
    "huge-50mb.txt",
    "symlink-outside.txt",
    "newline\nin-name-2023-06-27-p1.txt",
    os.fsdecode(b"not-utf8-\xff\xfe-name.txt"),
    ".hidden-2023-06-27-p1.txt",
    "upload-in-progress.txt.part",
)
NOT_CORPUS = ("EXPECTED.toml", "make_bad.py", ".gitattributes", "README.md", "__pycache__")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The hostile-submission corpus of tests/data/bad/.")
    parser.add_argument("--write", action="store_true", help="rewrite the committed files")
    parser.add_argument("--generated", type=Path, metavar="DIR", help="make the test-time files in DIR")
    args = parser.parse_args(argv)
    if args.generated:
        for path in generated(args.generated):
            print(repr(path.name))
        return 0
    stale = []
    for name, build in COMMITTED.items():
        data = build()
        path = HERE / name
        if args.write:
            path.write_bytes(data)
        elif not path.is_file() or path.read_bytes() != data:
            stale.append(name)
    for name in stale:
        print(f"differs from make_bad.py: {name}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
