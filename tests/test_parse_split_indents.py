"""`split_blocks` reads a line's indent only where `strip` changed the line (every indent starts
with a blank it takes): the blocks, lines, line numbers and indents are those of the old test,
which looked at every line's first character."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc.parse.text import _INDENTS, RawBlock, split_blocks

_STRIPPED = " \t\u3000\u00a0"  # what split_blocks strips from each line


def _old_split_blocks(page: str, first_line: int = 1) -> list[RawBlock]:
    """The definition before this change, kept to compare with."""
    blocks: list[RawBlock] = []
    lines: list[str] = []
    indents: list[bool] = []
    start = first_line
    for offset, raw in enumerate(page.split("\n")):
        stripped = raw.strip(_STRIPPED)
        if not stripped:
            if lines:
                blocks.append(RawBlock(tuple(lines), start, tuple(indents)))
                lines, indents = [], []
            continue
        if not lines:
            start = first_line + offset
        lines.append(stripped)
        indents.append(raw[:1] in "\u3000 \t" and raw.startswith(_INDENTS))
    if lines:
        blocks.append(RawBlock(tuple(lines), start, tuple(indents)))
    return blocks


def test_every_indent_starts_with_a_stripped_blank() -> None:
    assert all(indent[:1] and indent[0] in _STRIPPED for indent in _INDENTS)


_PIECES = st.sampled_from(
    ["\n", "\n\n", " ", "  ", "\t", "\u3000", "\u00a0", " \t", "\t\t", "本报讯", "记者", "a", "。"]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join), st.integers(1, 5))
def test_blocks_as_before(page: str, first_line: int) -> None:
    assert split_blocks(page, first_line) == _old_split_blocks(page, first_line)


def test_examples_as_before() -> None:
    page = "\u3000\u3000本报讯 记者\n  第二段\n第三行 \n\n\t\t新段\n \t缩进\n\u00a0不算缩进\n行尾空白\u3000\n"
    assert split_blocks(page) == _old_split_blocks(page)
    assert split_blocks(page)[0].indented == (True, True, False)
    assert split_blocks(page)[1].indented == (True, True, False, False)
