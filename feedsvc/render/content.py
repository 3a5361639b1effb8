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

from typing import Any

from feedsvc.render.common import EntryParts

# The last entry's parts, its content in UTF-8, then as XML and JSON hold it (None: not made yet):
# an entry's formats are rendered one after the other. A list, not an object: no call to make it.
# A new list for each entry, never one changed for another: the scheduler's threads render several
# papers at once in one process, and a thread holding an entry's list while another moves on to
# its own entry still finds (and fills in) only its entry's bytes.
_LAST: list[list[Any]] = [[None, b"", None, None]]


def _utf8(parts: EntryParts) -> list[Any]:
    """A new kept list for `parts`, its content encoded once."""
    last = _LAST[0] = [parts, parts.content_html.encode(), None, None]
    return last


def xml_content(parts: EntryParts) -> bytes:
    """`atom.xml_text(parts.content_html).encode()`: `xml_text`'s replacements in its order (`&`
    first: the others bring one)."""
    last = _LAST[0]
    if last[0] is not parts:
        last = _utf8(parts)
    found: bytes | None = last[2]
    if found is None:
        data: bytes = last[1].replace(b"&", b"&amp;").replace(b"<", b"&lt;")
        found = last[2] = data.replace(b">", b"&gt;").replace(b"\r", b"&#13;")
    return found


def json_content(parts: EntryParts) -> bytes | None:
    """`encode_basestring(parts.content_html).encode()` (quotes included) for a plain content
    (`EntryParts.content_plain`): what it writes for `\\` (first: the others bring one), `"` and the
    only characters below U+0020 such a content holds. None for any other (the caller escapes it)."""
    if not parts.content_plain:
        return None
    last = _LAST[0]
    if last[0] is not parts:
        last = _utf8(parts)
    found: bytes | None = last[3]
    if found is None:
        data: bytes = last[1]
        data = data.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
        data = data.replace(b"\n", b"\\n").replace(b"\r", b"\\r").replace(b"\t", b"\\t")
        found = last[3] = b'"%s"' % data
    return found
