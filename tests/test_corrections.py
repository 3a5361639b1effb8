"""The corrections files, pure: loading and validating them, applying them to a page's items, and
the TOML `feedsvc correct` writes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsvc.corrections import ItemEdit, PageCorrections, PageKey, Slot, apply, load_text, page_key
from feedsvc.corrections.write import appended, item_table
from feedsvc.errors import CorrectionError
from feedsvc.models import Contributor, Item


def item(headline: str | None, *paragraphs: str, warned: bool = False) -> Item:
    return Item(
        headline=headline,
        title=headline or paragraphs[0][:10],
        title_derived=headline is None,
        contributors=(Contributor(role="记者", name="张三"),),
        paragraphs=paragraphs,
        warnings=("doubt",) if warned else (),
    )


A = item("大桥迎来百岁生日", "大桥建成于一九三七年。", "市民前来合影留念。", "夜间灯光秀吸引游客。")
B = item(None, "本报讯 新区十所学校秋季开学，新增学位五千个。", "校园环境焕然一新。", warned=True)
C = item("社区食堂开进老小区", "老人吃饭有了好去处。")
SLOTS = [Slot(A, "id-a"), Slot(B, "id-b"), Slot(C, "id-c")]


def corrections(text: str) -> PageCorrections:
    return load_text(text, "2023-06-26-p1.toml")


def test_headline_set_by_position_or_id() -> None:
    for ref in ("2", '"tag:x,2023:2023-06-26/p1/2"'):
        slots = [Slot(A, "id-a"), Slot(B, "tag:x,2023:2023-06-26/p1/2"), Slot(C, "id-c")]
        out = apply(slots, corrections(f'[[item]]\nitem = {ref}\nheadline = "新学期新区新增学位五千个"'))
        piece = out.pieces[1]
        assert piece.item.headline == piece.item.title == "新学期新区新增学位五千个"
        assert not piece.item.title_derived and piece.corrected and piece.id == slots[1].id
        assert [p.item for p in (out.pieces[0], out.pieces[2])] == [A, C] and out.notes == ()


def test_fields_cleared_and_contributors_replaced() -> None:
    out = apply(
        SLOTS,
        corrections(
            '[[item]]\nitem = 1\nheadline = ""\nkicker = "引题"\nkind = "photo"\n'
            'contributors = [{ role = "通讯员", name = "李四", credit = "摄" }, { name = "王五" }]'
        ),
    )
    first = out.pieces[0].item
    assert first.headline is None and first.title_derived and first.title.startswith("大桥建成")
    assert first.kicker == "引题" and first.kind == "photo"
    assert first.contributors == (
        Contributor(role="通讯员", name="李四", credit="摄"),
        Contributor(role=None, name="王五"),
    )


def test_hide_keeps_the_item_and_its_id() -> None:
    out = apply(SLOTS, corrections("[[item]]\nitem = 3\nhide = true"))
    assert [(p.id, p.hidden) for p in out.pieces] == [("id-a", False), ("id-b", False), ("id-c", True)]
    assert [p.id for p in out.shown] == ["id-a", "id-b"]


def test_merge_keeps_the_id_of_the_item_merged_into() -> None:
    out = apply(SLOTS, corrections("[[merge]]\nitem = 3\ninto = 1"))
    assert [p.id for p in out.pieces] == ["id-a", "id-b"]
    assert out.pieces[0].item.paragraphs == A.paragraphs + C.paragraphs
    assert out.pieces[0].item.headline == A.headline


def test_split_mints_nothing_itself_and_reuses_known_part_ids() -> None:
    out = apply(SLOTS, corrections('[[split]]\nitem = 1\nat = 3\nheadline = "夜游大桥"'))
    assert [(p.id, p.split_at) for p in out.pieces] == [("id-a", 0), (None, 3), ("id-b", 0), ("id-c", 0)]
    assert out.pieces[0].item.paragraphs == A.paragraphs[:2]
    assert out.pieces[1].item.paragraphs == A.paragraphs[2:] and out.pieces[1].item.title == "夜游大桥"
    known = [Slot(A, "id-a", {3: "id-a3"}), *SLOTS[1:]]
    assert apply(known, corrections("[[split]]\nitem = 1\nat = 3")).pieces[1].id == "id-a3"


def test_two_splits_of_one_item_in_any_order() -> None:
    one = apply(SLOTS, corrections("[[split]]\nitem = 1\nat = 2\n[[split]]\nitem = 1\nat = 3"))
    other = apply(SLOTS, corrections("[[split]]\nitem = 1\nat = 3\n[[split]]\nitem = 1\nat = 2"))
    assert one == other
    assert [p.item.paragraphs for p in one.pieces[:3]] == [(p,) for p in A.paragraphs]
    assert [p.split_at for p in one.pieces[:3]] == [0, 2, 3]


def test_move_a_paragraph_and_rederive_a_lost_title() -> None:
    out = apply(SLOTS, corrections('[[move]]\nitem = 2\nparagraph = 1\nto = 3\nwhere = "start"'))
    assert out.pieces[1].item.paragraphs == ("校园环境焕然一新。",)
    assert out.pieces[1].item.title == "校园环境焕然一新"  # derived again from its new lead
    assert out.pieces[2].item.paragraphs == (B.paragraphs[0], *C.paragraphs)


def test_corrections_that_no_longer_fit_are_noted_and_the_rest_applied() -> None:
    out = apply(
        SLOTS,
        corrections(
            '[[item]]\nitem = 7\nheadline = "x"\n'
            '[[item]]\nitem = "tag:gone"\nhide = true\n'
            '[[item]]\nitem = 1\nexpect = "从未出现的文字"\nheadline = "y"\n'
            "[[split]]\nitem = 3\nat = 5\n"
            "[[move]]\nitem = 3\nparagraph = 1\nto = 1\n"
            '[[item]]\nitem = 2\nheadline = "新学期"\n'
        ),
    )
    assert out.notes == (
        "split[1]: item 3 has 1 paragraphs, none at 5; not applied",
        "move[1]: item 3 has 1 paragraphs, cannot move 1; not applied",
        "item[1]: item 7 is not on the page (it has 3 items); not applied",
        "item[2]: item tag:gone is not on the page as parsed now; not applied",
        "item[3]: item 1 does not read '从未出现的文字' any more; not applied",
    )
    assert [p.item.title for p in out.pieces] == [A.title, "新学期", C.title]


def test_a_merged_away_item_cannot_be_edited() -> None:
    out = apply(SLOTS, corrections('[[merge]]\nitem = 2\ninto = 1\n[[item]]\nitem = 2\nheadline = "x"'))
    assert out.notes == ("item[1]: item 2 is no longer on the page (merged away); not applied",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[item]\nitem = 1", "2023-06-26-p1.toml: not valid TOML"),
        (
            "[[item]]\nitem = 1\nheadline = 5",
            "2023-06-26-p1.toml: item[1].headline: Input should be a valid string",
        ),
        (
            "[[item]]\nitem = 1\nheadlin = 'x'",
            "2023-06-26-p1.toml: item[1].headlin: Extra inputs are not permitted",
        ),
        (
            "[[item]]\nitem = 0\nhide = true",
            "2023-06-26-p1.toml: item[1].item: Input should be greater than or equal to 1",
        ),
        (
            "[[item]]\nitem = 1\nhide = 'yes'",
            "2023-06-26-p1.toml: item[1].hide: Input should be a valid boolean",
        ),
        (
            "[[split]]\nitem = 1\nat = 1",
            "2023-06-26-p1.toml: split[1].at: Input should be greater than or equal to 2",
        ),
        (
            "[[item]]\nitem = 1\nkind = 'video'",
            "2023-06-26-p1.toml: item[1].kind: Input should be 'article' or 'photo'",
        ),
        ("[[retitle]]\nitem = 1", "2023-06-26-p1.toml: retitle: Extra inputs are not permitted"),
    ],
)
def test_bad_files_are_one_line_errors_naming_file_and_key(text: str, message: str) -> None:
    with pytest.raises(CorrectionError) as caught:
        corrections(text)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_file_names() -> None:
    assert page_key("2023-06-26-p12.toml") == PageKey(date=dt.date(2023, 6, 26), page=12)
    for bad in ("2023-06-26.toml", "2023-13-01-p1.toml", "notes.toml", "2023-06-26-p1.toml.bak"):
        with pytest.raises(CorrectionError, match="not a corrections file name"):
            page_key(bad)


@given(
    headline=st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    name=st.text(st.characters(exclude_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=6),
    hide=st.booleans(),
)
def test_written_tables_read_back_as_written(headline: str, name: str, hide: bool) -> None:
    edit = ItemEdit.model_validate(
        {"item": "tag:a,2023:2023-06-26/p1/5", "headline": headline, "hide": hide,
         "contributors": [{"role": "记者", "name": name}]}
    )  # fmt: skip
    key = PageKey(date=dt.date(2023, 6, 26), page=1)
    text = appended("# the editor's own note\n[[item]]\nitem = 2\nhide = true\n", key, edit)
    read = load_text(text, key.file_name)
    assert read.item[0] == ItemEdit(item=2, hide=True)
    assert read.item[1] == edit
    assert item_table(edit) == item_table(read.item[1])  # deterministic
