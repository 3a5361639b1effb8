"""Permanent identity: tag URIs, item matching for corrected pages, pinyin slugs. Pure, no I/O.

- Entry ids are RFC 4151 tag URIs minted once per item from where it first appeared
  (`tag:<authority>:2023-06-26/p1/3`); the store keeps them in its ledger for good, so later
  position changes never change an id.
- `match_items` pairs the items of a corrected page with the stored ones, one to one, so that
  matched items keep their ids.
- `slugify` turns a section or contributor name into a URL-safe slug (`董笑瑜` → `dong-xiaoyu`,
  `要闻` → `yao-wen`); `unique_slug` adds a stable numeric suffix for homophones, deciding
  against whatever ledger the caller passes as `taken`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from feedsvc.models import Item
from feedsvc.records import FeedRef

__all__ = [
    "MATCH_THRESHOLD",
    "SAME_HEADLINE_FLOOR",
    "SLUG_MAX",
    "SLUG_RE",
    "Matching",
    "archive_tag_uri",
    "feed_tag_uri",
    "match_items",
    "similarity",
    "slugify",
    "tag_uri",
    "unique_slug",
]

# ---------------------------------------------------------------------------------------------
# tag URIs (RFC 4151)


def tag_uri(authority: str, issue_date: dt.date, page: int, position: int) -> str:
    """An entry's id: `tag:qiantang.feedsvc.example,2023:2023-06-26/p1/3`."""
    return f"tag:{authority}:{issue_date.isoformat()}/p{page}/{position}"


def feed_tag_uri(authority: str, ref: FeedRef) -> str:
    """A feed's permanent atom:id: `tag:…:feed`, `tag:…:section/yaowen`, `tag:…:contributor/dong-xiaoyu`."""
    if ref.kind == "paper":
        return f"tag:{authority}:feed"
    return f"tag:{authority}:{ref.kind}/{ref.slug}"


def archive_tag_uri(authority: str, ref: FeedRef, number: int) -> str:
    """The id of a feed's RFC 5005 archive page `number` (1 is the oldest): `tag:…:feed/archive/1`."""
    return f"{feed_tag_uri(authority, ref)}/archive/{number}"


# ---------------------------------------------------------------------------------------------
# matching the items of a corrected page

MATCH_THRESHOLD = 0.6
"""Least similarity (0..1) of two items' signatures for them to count as the same item."""
SAME_HEADLINE_FLOOR = 0.3
"""Least similarity for two items with the same headline: unrelated items under one generic
headline (图片新闻, 简讯) score below ~0.26, a rewritten story above."""

_SIGNATURE_CHARS = 300  # headline + the start of the body: enough to tell items apart, bounded cost


@dataclass(frozen=True, slots=True)
class Matching:
    """How the items of a page's new version pair with its old version (indices into each)."""

    pairs: tuple[tuple[int, int], ...]  # (old index, new index), ordered by new index
    unmatched_old: tuple[int, ...]  # to retract
    unmatched_new: tuple[int, ...]  # to mint new ids for


def _squash(text: str) -> str:
    return "".join(text.split())


def _headline(item: Item) -> str:
    return _squash(item.headline or "")


def _signature(item: Item) -> str:
    return _squash(item.headline or item.title) + "\n" + _squash(item.text)[:_SIGNATURE_CHARS]


def _exact_key(item: Item) -> tuple[str, str, str]:
    return (_headline(item), _squash(item.title), _squash(item.text))


def similarity(a: Item, b: Item) -> float:
    """Similarity (0..1) of two items' headline and start of body, ignoring whitespace."""
    return SequenceMatcher(None, _signature(a), _signature(b)).ratio()


_PAIRWISE_MAX = 2500
"""Up to this many (old, new) pairs left after exact matching, every pair is compared; beyond,
only the pairs `_Nearby` proposes (a page of a few dozen items is always compared pairwise)."""
_GRAM = 3
_NEAR = 8  # old items compared with each new one, besides those under the same headline
_COMMON = 32  # a trigram in more old signatures than this says nothing about which one is near


class _Nearby:
    """Which old items may be like a new one: those sharing the most character trigrams of the
    signature with it (`_NEAR` of them), and those with the same headline. A pair whose
    similarity reaches `SAME_HEADLINE_FLOOR` shares long runs of text, hence many trigrams; the
    index makes matching near-linear instead of comparing every pair (quadratic: 1,000 items
    took minutes)."""

    def __init__(self, sigs: dict[int, str], heads: dict[int, str]) -> None:
        self.index: dict[str, list[int]] = {}
        for i, sig in sigs.items():
            for gram in {sig[k : k + _GRAM] for k in range(len(sig) - _GRAM + 1)}:
                self.index.setdefault(gram, []).append(i)
        self.by_head: dict[str, list[int]] = {}
        for i, head in heads.items():
            if head:
                self.by_head.setdefault(head, []).append(i)

    def near(self, sig: str, head: str) -> list[int]:
        """Old indices to compare with the new signature `sig`, in ascending order."""
        shared: Counter[int] = Counter()
        for gram in {sig[k : k + _GRAM] for k in range(0, len(sig) - _GRAM + 1, _GRAM)}:  # every third
            posting = self.index.get(gram)
            if posting is not None and len(posting) <= _COMMON:
                shared.update(posting)
        chosen = {i for i, _ in shared.most_common(_NEAR)}
        same_head = self.by_head.get(head, ()) if head else ()
        if len(same_head) <= _COMMON:  # a generic headline (图片新闻) over many items says nothing
            chosen.update(same_head)
        return sorted(chosen)


def match_items(old: Sequence[Item], new: Sequence[Item], *, threshold: float = MATCH_THRESHOLD) -> Matching:
    """Pair old and new items of one page one to one.

    Items identical up to whitespace pair first, in reading order. The rest pair greedily, best
    first: a pair with equal (non-empty) headlines beats any pair without, then higher similarity
    wins (`similarity`: at least `threshold`, or `SAME_HEADLINE_FLOOR` for equal headlines); ties
    go to the earlier new item, then the earlier old item, so the result is deterministic.

    Cost: unchanged items cost a dict lookup. Other pairs first meet cheap upper bounds
    (`real_quick_ratio`, `quick_ratio`); for unrelated Chinese articles `quick_ratio` is about
    0.3–0.5, so few pairs reach the real ratio (≤ ~1 ms each, signatures are ≤ 300 characters).
    Beyond `_PAIRWISE_MAX` pairs, each new item meets only the old items `_Nearby` proposes, so
    the cost grows linearly with the number of items.
    """
    pairs: dict[int, int] = {}  # new index -> old index
    waiting: dict[tuple[str, str, str], deque[int]] = {}
    for i, item in enumerate(old):
        waiting.setdefault(_exact_key(item), deque()).append(i)
    for j, item in enumerate(new):
        same = waiting.get(_exact_key(item))
        if same:
            pairs[j] = same.popleft()

    taken_old = set(pairs.values())
    rest_old = [i for i in range(len(old)) if i not in taken_old]
    rest_new = [j for j in range(len(new)) if j not in pairs]
    if rest_old and rest_new:
        old_sig = {i: _signature(old[i]) for i in rest_old}
        old_head = {i: _headline(old[i]) for i in rest_old}
        candidates: list[tuple[bool, float, int, int]] = []
        matcher = SequenceMatcher(None)
        nearby = _Nearby(old_sig, old_head) if len(rest_old) * len(rest_new) > _PAIRWISE_MAX else None
        for j in rest_new:
            head = _headline(new[j])
            sig = _signature(new[j])
            matcher.set_seq2(sig)  # seq2 is the one SequenceMatcher indexes
            for i in rest_old if nearby is None else nearby.near(sig, head):
                same_head = bool(head) and head == old_head[i]
                least = min(threshold, SAME_HEADLINE_FLOOR) if same_head else threshold
                matcher.set_seq1(old_sig[i])
                if matcher.real_quick_ratio() < least or matcher.quick_ratio() < least:
                    continue
                ratio = matcher.ratio()
                if ratio >= least:
                    candidates.append((same_head, ratio, j, i))
        candidates.sort(key=lambda c: (not c[0], -c[1], c[2], c[3]))
        used_old: set[int] = set()
        for _, _, j, i in candidates:
            if j not in pairs and i not in used_old:
                pairs[j] = i
                used_old.add(i)

    matched_old = set(pairs.values())
    return Matching(
        pairs=tuple((pairs[j], j) for j in sorted(pairs)),
        unmatched_old=tuple(i for i in range(len(old)) if i not in matched_old),
        unmatched_new=tuple(j for j in range(len(new)) if j not in pairs),
    )


# ---------------------------------------------------------------------------------------------
# slugs

SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
SLUG_MAX = 64
"""Longest slug `slugify` returns (before a homophone suffix)."""

_HAN = (
    "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002ebe0\U0002f800-\U0002fa1f\U00030000-\U000323af"
)
_RUNS = re.compile(f"([{_HAN}]+)|([^{_HAN}]+)")
_WORD = re.compile(r"[a-z0-9]+")
_COMPOUND_SURNAMES = frozenset(  # two characters each
    re.findall(
        "..",
        "欧阳司马诸葛上官东方皇甫尉迟公孙慕容长孙宇文司徒夏侯轩辕令狐端木独孤南宫西门百里呼延澹台公冶太史申屠闻人赫连钟离宗政濮阳拓跋万俟单于第五",
    )
)


def _pinyin(han: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin  # loads its dictionaries (~0.4 s) on first use

    syllables: list[str] = lazy_pinyin(han, style=Style.NORMAL, errors="ignore")
    return [w for s in syllables for w in _WORD.findall(s.lower())]


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(folded.lower())


def _person(han: str, syllables: list[str], *, alone: bool) -> list[str]:
    """`董笑瑜` → [dong, xiaoyu], `欧阳修` → [ouyang, xiu]: surname, then the given name joined.

    A part of a longer name (`约翰·史密斯`) is one word; a run too short or long to be a Chinese
    name (`本报评论员`), or one pypinyin could not read whole, stays one word per syllable.
    """
    if not alone and syllables:
        return ["".join(syllables)]
    if not 2 <= len(han) <= 4 or len(syllables) != len(han):
        return syllables
    cut = 2 if len(han) >= 3 and han[:2] in _COMPOUND_SURNAMES else 1
    return ["".join(syllables[:cut]), "".join(syllables[cut:])]


def _truncate(words: list[str]) -> str:
    slug = ""
    for word in words:
        joined = f"{slug}-{word}" if slug else word
        if len(joined) > SLUG_MAX:
            return slug or word[:SLUG_MAX]
        slug = joined
    return slug


def slugify(name: str, *, person: bool = False) -> str:
    """A slug matching `SLUG_RE`, at most `SLUG_MAX` characters, never empty.

        Han characters become toneless pinyin syllables (pypinyin's `lazy_pinyin`, `Style.NORMAL`,
        its choice for polyphones), one word each: `要闻` → `yao-wen`. With `person`, a name of two to
        four Han characters is surname then given name: `董笑瑜` → `dong-xiaoyu`, and each part of a
    name in several parts is one word: `约翰·史密斯` → `yuehan-shimisi`. Other letters and
        digits are kept (accents folded away, full-width forms narrowed), everything else separates
        words. A name with nothing usable gets `x-` and a short hash of the name.
    """
    text = unicodedata.normalize("NFKC", name)
    runs = [m.groups() for m in _RUNS.finditer(text)]
    alone = sum(1 for han, _ in runs if han) == 1
    words: list[str] = []
    for han, other in runs:
        if han:
            syllables = _pinyin(han)
            words.extend(_person(han, syllables, alone=alone) if person else syllables)
        else:
            words.extend(_ascii_words(other))
    slug = _truncate([w for w in words if w])
    if slug:
        return slug
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"x-{digest}"


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    """`base` if it is free, else the first free of `base-2`, `base-3`, … (homophones)."""
    if not taken(base):
        return base
    n = 2
    while taken(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"
