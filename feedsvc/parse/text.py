"""Bytes to text, text to pages and blocks, and the whitespace repair of column wraps.

A submission holds one page, or several separated by form feeds. A page is a sequence of blocks
separated by blank lines; a block is one PDF text block whose visual lines were joined by single
spaces (or, in the common variant, one visual line per line). Column wraps leave spaces between
CJK characters, which `join_wrapped` removes while keeping the spaces Latin words and numbers need.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from feedsvc.errors import ParseError

_CONTROL_OK = {"\n", "\r", "\t", "\f"}
# Random bytes are ~11% C0 controls; a text with a few stray controls (stripped later) is far below.
_BINARY_SHARE = 0.08
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Zero-width characters and bidi controls (U+202A–U+202E, U+2066–U+2069 can make a headline
# display differently from its text); ZWJ (U+200D) stays, emoji sequences need it.
_INVISIBLE = r"\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\x00"
_XML_ILLEGAL = r"\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff"
_UNWANTED = re.compile(f"[{_INVISIBLE}{_XML_ILLEGAL}]")  # both dropped in one pass over the text
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
_INDENTS = ("\u3000", "  ", " \t", "\t ", "\t\t")  # an ideographic space, or two blanks

# Sentence-final punctuation: a paragraph that ends in one of these is complete.
TERMINAL = frozenset("。！？!?…；;")
CLOSERS = frozenset("”’」』）)】》\"'")
OPENERS = frozenset("“‘「『（(【《")


def decode(data: bytes, source: str = "<bytes>") -> str:
    """Decode a submission: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030.

    Raises ParseError naming `source` for empty, PDF, binary or undecodable input.
    """
    if not data.strip():
        raise ParseError("empty file", source)
    if data.startswith(b"%PDF"):
        raise ParseError("PDF bytes, not exported text: export the page text from the PDF first", source)
    if data.startswith((b"%!PS", b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        raise ParseError("a PostScript, zip, gzip or image file, not exported text", source)
    wide = next((enc for bom, enc in _WIDE_BOMS if data.startswith(bom)), None)
    if wide is not None:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError as exc:
            raise ParseError(f"invalid {wide.upper()} at byte {exc.start}", source) from exc
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        text = _decode_8bit(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text if ch < " " and ch not in _CONTROL_OK)
    if controls > max(8, len(text) * _BINARY_SHARE):
        raise ParseError("binary data, not text", source)
    head = text.lstrip("\ufeff \t\n")[:64].lower()
    if not head:
        raise ParseError("empty file", source)
    if head.startswith(("<!doctype", "<html", "<?xml", "{\\rtf")) or (
        head[0] in "{[" and text.rstrip()[-1] in "}]"
    ):
        raise ParseError("markup (HTML, XML, RTF or JSON), not exported page text", source)
    return text


def _decode_8bit(data: bytes, source: str) -> str:
    if data.count(b"\x00") > max(8, len(data) // 100):
        raise ParseError("binary data, not text (NUL bytes)", source)
    sample = data[:65536]
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if controls > max(8, len(sample) * _BINARY_SHARE):
        raise ParseError("binary data, not text (control bytes)", source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    # Mixed encodings: decide line by line.
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        for encoding in ("utf-8", "gb18030"):
            try:
                lines.append(raw.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ParseError("not UTF-8 or GB18030 text", source, line=number)
    return "\n".join(lines)


def is_cjk(ch: str) -> bool:
    """Ideographs, kana, hangul, CJK and fullwidth punctuation: characters set without spaces."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x3000 <= o <= 0x30FF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF
        or 0xAC00 <= o <= 0xD7AF
        or 0x20000 <= o <= 0x3134F
        or 0x2014 <= o <= 0x201F  # — ‘ ’ “ ”
        or o in (0x2026, 0x00B7, 0x2022)  # … · •
    )


def visual_len(text: str) -> float:
    """Printed width in ems: CJK characters (three bytes in UTF-8) full width, ASCII half.

    With a ASCII and w wide characters: len = a + w and the UTF-8 length is a + 3w, so the
    width w + a/2 is (len + utf8_len) / 4, computed in C rather than character by character.
    """
    try:
        return (len(text) + len(text.encode())) / 4  # (the fast path: no error handler)
    except UnicodeEncodeError:  # a lone surrogate (the PDF front end does not drop them)
        return (len(text) + len(text.encode("utf-8", "surrogatepass"))) / 4


def visual_lens(segments: list[str]) -> tuple[float, ...]:
    """`visual_len` of each visual line: this runs for every line of every page."""
    try:
        return tuple([(len(s) + len(s.encode())) / 4 for s in segments])
    except UnicodeEncodeError:
        return tuple([visual_len(s) for s in segments])


def is_punct(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


_WIDE = (
    "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    "\u2014-\u201f\u2026\u00b7\u2022\U00020000-\U0003134f"
)
_PUNCT = "!-/:-@\\[-`{-~\u00a1-\u00bf\u2010-\u2027\u2030-\u205e"
# A space is a column wrap when it stands between two CJK characters, or between CJK and punctuation.
# (The literal space comes first so that the regex engine skips quickly from space to space.)
# (A number and its date unit are never set apart: `3 月11日` is a wrap.)
_WRAP_SPACE = re.compile(
    f" (?:(?<=[{_WIDE}] )(?=[{_WIDE}{_PUNCT}])|(?<=[{_PUNCT}] )(?=[{_WIDE}])|(?<=[0-9] )(?=[年月日]))"
)
# A space that stays: none of the three conditions above holds (one look-ahead each, so a search
# for it tells in one pass whether the wraps can all go at once: see `_drop_wraps`).
_KEPT_SPACE = re.compile(
    f" (?!(?<=[{_WIDE}] )[{_WIDE}{_PUNCT}])(?!(?<=[{_PUNCT}] )[{_WIDE}])(?!(?<=[0-9] )[年月日])"
)
_ODD_SPACE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")  # or "  "


def join_wrapped(text: str) -> str:
    """Remove the spaces column wraps left between CJK characters; keep the others (one each)."""
    if "  " in text or _ODD_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    return _drop_wraps(text.strip())


def _drop_wraps(text: str) -> str:
    """`_WRAP_SPACE.sub("", text)`. Most texts keep no space at all: then `str.replace` drops them
    in one pass, twice as fast as `sub`, which cuts the text into a slice at every space."""
    if _KEPT_SPACE.search(text) is None:
        return text.replace(" ", "")
    return _WRAP_SPACE.sub("", text)


def is_wrap(left: str, right: str) -> bool:
    """Is a space between these two characters a column wrap (`join_wrapped` drops it)?"""
    return _WRAP_SPACE.match(f"{left} {right}", 1) is not None


def join_words(text: str) -> str:
    """`join_wrapped` for a text known to hold no whitespace but single spaces (words split on
    whitespace and joined by one space each): no spaces to normalise first."""
    return _drop_wraps(text.strip())


def compact(text: str) -> str:
    """Text without any whitespace: for measuring and matching."""
    return "".join(text.split())


def clean_chars(text: str) -> str:
    """Drop invisible and XML-illegal characters (form feeds stay: they split pages); NFC.

    Every character `_UNWANTED` drops is unprintable (a control, format character, surrogate or
    non-character), so a text printable but for its line breaks holds none: `isprintable` tells in
    half the instructions of the regex, which tests every character against its class."""
    if not text.replace("\n", "").isprintable():
        text = _UNWANTED.sub("", text)
    return unicodedata.normalize("NFC", text)


@dataclass(slots=True)
class RawBlock:
    """One text block as exported: its visual lines and where it starts in the page text. (Not
    frozen, though nothing changes one: one is made for every block of every page, and a frozen
    dataclass is made three times slower.)"""

    lines: tuple[str, ...]
    line_number: int  # 1-based line in the submission
    indented: tuple[bool, ...]  # per visual line: did it start with a paragraph indent?

    @property
    def segments(self) -> list[str]:
        """The visual lines, also where the exporter joined them with single spaces."""
        lines = self.lines  # (whitespace splits the lines joined by a space as it splits each line)
        return lines[0].split() if len(lines) == 1 else " ".join(lines).split()


def split_pages(text: str) -> list[tuple[int, str]]:
    """Split on form feeds; returns (first line number, page text) for non-blank pages."""
    pages = []
    line = 1
    for chunk in text.split("\f"):
        if chunk.strip():
            pages.append((line, chunk))
        line += chunk.count("\n")
    return pages


def split_blocks(page: str, first_line: int = 1) -> list[RawBlock]:
    """Blocks are separated by blank lines; consecutive non-blank lines form one block."""
    blocks: list[RawBlock] = []
    lines: list[str] = []
    indents: list[bool] = []
    start = first_line
    for offset, raw in enumerate(page.split("\n")):
        stripped = raw.strip(" \t\u3000\u00a0")
        if not stripped:
            if lines:
                blocks.append(RawBlock(tuple(lines), start, tuple(indents)))
                lines, indents = [], []
            continue
        if not lines:
            start = first_line + offset
        lines.append(stripped)
        # (every indent starts with a blank `strip` takes, so a line it returned as it was has none:
        # most lines, told without a slice of their first character)
        indents.append(stripped is not raw and raw.startswith(_INDENTS))
    if lines:
        blocks.append(RawBlock(tuple(lines), start, tuple(indents)))
    return blocks


def ends_complete(text: str) -> bool:
    """Does this text end a sentence (so the next block may start a new paragraph)?"""
    text = text.rstrip()
    if not text:
        return True
    last = text[-1]
    if last in TERMINAL:
        return True
    if last in CLOSERS and len(text) > 1:
        return text[-2] in TERMINAL or last in "）)"
    return False


def starts_continuation(text: str) -> bool:
    """Text that cannot open a paragraph: it begins with closing or mid-sentence punctuation."""
    return bool(text) and text[0] in "，,、。；;：:！？!?）)」』”’》】…"
