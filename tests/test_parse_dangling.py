"""`Draft.dangling` is kept as the text changes (the threading reads it at every step): at every
step of threading a page it must equal what the draft's text says (`Draft.dangling_now`)."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.models import Contributor
from feedsvc.parse.assemble import _Assembler
from feedsvc.parse.blocks import Block, BlockKind
from feedsvc.parse.draft import _WHITESPACE_OR_PAREN, Draft, _glued, _plain
from feedsvc.parse.text import join_wrapped

# Pieces of text that end a sentence or not, glue or not, close an item (a jump line), close a
# credit in parentheses, open a caption, or hold a later dateline.
_PIECES = (
    "钱塘区建设",
    "新城。",
    "，继续",
    "工。届时",
    "（下转第3版）",
    "（记者 张三）",
    "图为",
    "5月3日，",
    "”",
    "！",
    " ",
    "\u3000",
    "\n",
    "\n本报讯（记者 李四）",
    "——",
    "一、",
)
_TEXT = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=8).map("".join)
_KINDS: tuple[BlockKind, ...] = (
    "body",
    "body",
    "body",
    "title",
    "drop",
    "byline",
    "dateline",
    "credit",
    "label",
)
_PERSON = Contributor(role="记者", name="张三")


@st.composite
def _blocks(draw: st.DrawFn) -> Block:
    kind = draw(st.sampled_from(_KINDS))
    lengths = tuple(draw(st.lists(st.sampled_from((4.0, 11.0, 12.0, 20.0, 21.5)), max_size=4)))
    return Block(
        kind=kind,
        text=draw(_TEXT),
        line=1,
        segment_lengths=lengths,
        people=(_PERSON,) if kind in ("byline", "credit", "dateline") else (),
        trailing=draw(st.booleans()),
        reason=draw(st.sampled_from((None, "jump"))),
        caption_title=draw(st.sampled_from((None, "湖畔晨练"))) if kind == "body" else None,
        credit=draw(st.sampled_from(((), (_PERSON,)))) if kind == "body" else (),
        width=draw(st.sampled_from((None, 12.0, 20.0))),
    )


class _Checked(_Assembler):
    """The assembler, checking every draft's kept `dangling` after each step."""

    steps = 0

    def _step(self, i: int) -> int:
        after = super()._step(i)
        self.steps += 1
        for draft in self.out.drafts:
            assert draft.dangling == draft.dangling_now(), (i, draft)
        return after


@settings(max_examples=400, deadline=None)
@given(st.lists(_blocks(), min_size=1, max_size=14))
def test_kept_dangling_equals_the_recomputed_one_at_every_step(blocks: list[Block]) -> None:
    assembler = _Checked(blocks, 1)
    out = assembler.run()
    assert assembler.steps >= 1
    for draft in out.drafts:  # and after the last flush
        assert draft.dangling == draft.dangling_now()


def test_dangling_follows_the_text() -> None:
    draft = Draft(start=0, paragraphs=["钱塘区建设"])
    assert draft.dangling  # a draft made with its text settles it at once
    draft.add_body(Block(kind="body", text="新城。", line=2))
    assert draft.ending() == "钱塘区建设新城。" and not draft.dangling  # glued on: the sentence ends
    draft.add_body(Block(kind="body", text="继续建设", line=3))
    assert draft.dangling
    draft.close()
    assert not draft.dangling  # continued on another page: nothing here continues it
    other = Draft(start=1, paragraphs=["正文"])
    other.add_subheads(["一、建设"])
    assert not other.dangling and other.held  # a subhead is complete without a stop
    other.add_paragraphs(["图为钱塘"])
    assert other.dangling == other.dangling_now()


def test_plain_text_is_what_gluing_leaves_as_it_is() -> None:
    """`draft._plain` skips `join_wrapped` and the gluing's regex for a text of printable
    characters without a space or a parenthesis. That holds because no printable character but
    the space is whitespace, or an odd space `join_wrapped` replaces, or one `strip` drops: a
    property of the Unicode tables of the running Python, checked over every code point."""
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if not _plain(char):
            continue
        text = f"中{char}文"
        assert join_wrapped(text) == text, hex(point)
        for last in "中a":  # the gluing's shortcut gives what joining the whole text gives
            assert _glued(last, f"{char}文") == join_wrapped(f"{last} {char}文")[1:], hex(point)
        assert not char.isspace() and _WHITESPACE_OR_PAREN.search(char) is None, hex(point)
