"""The text passes rewritten for speed give what the one-pass forms they replace gave: paragraph
breaks found stop by stop, and `clean_chars` skipping its regex on a printable text."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.parse.blocks import break_paragraphs
from feedsvc.parse.text import _UNWANTED, clean_chars

# The one pattern the stop-by-stop passes replace.
_ONE_PASS_BREAK = re.compile(r"([。！？!?][”’」』\"]?)[ \u3000]+(?=[\u4e00-\u9fff“「（(【《\"])")

# Stops, closing quotes, spaces, paragraph openers and a few others, as the rules see them.
_PIECES = list('。！？!?”’」』" \u3000中文“「（(【《a,，\n')


def _one_pass(text: str) -> str:
    return _ONE_PASS_BREAK.sub(lambda m: m[1] + "\n", text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=24).map("".join))
def test_paragraph_breaks_stop_by_stop_are_the_one_pass_breaks(text: str) -> None:
    assert break_paragraphs(text) == _one_pass(text)


def test_paragraph_breaks_after_stops_and_closing_quotes() -> None:
    text = "会议召开。 会议指出！” 要求 明确? “两个确立” 结束。"
    assert break_paragraphs(text) == "会议召开。\n会议指出！”\n要求 明确?\n“两个确立” 结束。"


def test_every_character_clean_chars_drops_is_unprintable() -> None:
    """What lets a printable text skip the regex."""
    dropped = [chr(c) for c in range(0x110000) if _UNWANTED.match(chr(c))]
    assert len(dropped) > 2000  # the surrogates, controls, bidi and zero-width marks
    assert not any(c.isprintable() for c in dropped)


_ODD = ["\u200b", "\u200d", "\u202e", "\ufeff", "\x00", "\x0b", "\x1f", "\x7f", "\ufffe", "\ud800"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([*_ODD, *"中文 \n\t\f\u3000a，。", "e\u0301"]), max_size=12).map("".join))
def test_clean_chars_drops_what_the_regex_drops(text: str) -> None:
    assert clean_chars(text) == unicodedata.normalize("NFC", _UNWANTED.sub("", text))
