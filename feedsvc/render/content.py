"""An entry's content (`EntryParts.content_html`) as the feed formats hold it, encoded to UTF-8
once for all of them: Atom's `<content>` and RSS's `<content:encoded>` (`xml_content`) and the
JSON Feed item's `content_html` string (`json_content`).

The content is the largest text of an entry (its paragraphs), and encoding a string that holds
any character beyond Latin-1 costs ~12 instructions an ASCII character and ~27 a CJK one; the
formats encoded it once for Atom and RSS and once more inside the JSON item, after JSON had
escaped it character by character. Here it is encoded once, and each format's escaping is done
on the bytes: every character the escaping replaces is ASCII, and no byte of another character's
UTF-8 is below 0x80, so replacing bytes gives the encoding of the text with the characters
replaced, and `bytes.replace` finds a byte with `memchr`.
"""

from __future__ import annotations

from feedsvc.render.common import EntryParts

# `atom.xml_text`'s replacements, in its order (`&` first: the others bring an `&`)
_XML = ((b"&", b"&amp;"), (b"<", b"&lt;"), (b">", b"&gt;"), (b"\r", b"&#13;"))
# what `json.encoder.encode_basestring` writes for the only characters below U+0020 a plain
# content holds (`EntryParts.content_plain`), and for `\` and `"` (`\` first: the others bring one)
_JSON = ((b"\\", b"\\\\"), (b'"', b'\\"'), (b"\n", b"\\n"), (b"\r", b"\\r"), (b"\t", b"\\t"))


class _Encoded:
    """One entry's content encoded, and escaped for each format when first asked."""

    __slots__ = ("json", "parts", "utf8", "xml")

    def __init__(self, parts: EntryParts | None) -> None:
        self.parts = parts
        self.utf8 = parts.content_html.encode() if parts is not None else b""
        self.xml: bytes | None = None
        self.json: bytes | None = None


_LAST = [_Encoded(None)]  # the last entry's: its formats are rendered one after the other


def _encoded(parts: EntryParts) -> _Encoded:
    last = _LAST[0]
    if last.parts is not parts:
        last = _LAST[0] = _Encoded(parts)
    return last


def xml_content(parts: EntryParts) -> bytes:
    """`atom.xml_text(parts.content_html).encode()`."""
    found = _encoded(parts)
    if found.xml is None:
        data = found.utf8
        for raw, escaped in _XML:
            data = data.replace(raw, escaped)
        found.xml = data
    return found.xml


def json_content(parts: EntryParts) -> bytes | None:
    """`encode_basestring(parts.content_html).encode()` (quotes included) for a plain content
    (`EntryParts.content_plain`); None for any other (the caller escapes it as before)."""
    if not parts.content_plain:
        return None
    found = _encoded(parts)
    if found.json is None:
        data = found.utf8
        for raw, escaped in _JSON:
            data = data.replace(raw, escaped)
        found.json = b'"%s"' % data
    return found.json
