"""The hostile-submission corpus (tests/data/bad/, EXPECTED.toml) through a running `feedsvc run`.

One daemon on temporary folders, holding the sample page already. First every `reject` and
`ignore` file arrives at once (committed ones written as `.part` and renamed into place, the
generated ones — a 50 MB file, a symlink pointing out of the inbox, a dotfile, a `.part` upload —
made beside the inbox by make_bad.generated() and renamed in): each reject must land in
inbox/failed/ beside `<name>.error.txt` whose reason matches EXPECTED's regex, nothing may be
published, and each ignored file must stay where it is. Then each `accept` file arrives on its own:
it must be stored and applied, its `contains` text must be in the published article pages, its
`forbid` characters nowhere, and every file it changed must be a valid document (feedparser bozo 0
and lxml for Atom, the JSON Feed 1.1 schema for JSON, whole HTML) with markup from the page
escaped: no `<script>` element and no raw `]]>` in any HTML page, Atom content or JSON
content_html. The daemon must run throughout and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from tests.e2e_helpers import SAMPLE
from tests.fault_helpers import (
    BAD,
    T0,
    T1,
    Daemon,
    Instance,
    check_document,
    check_escaped,
    diff,
    load_make_bad,
)

pytestmark = pytest.mark.e2e

make_bad = load_make_bad()
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads((BAD / "EXPECTED.toml").read_text(encoding="utf-8"))[
    "files"
]
SECRET = "SECRET outside the inbox"


def key(name: str) -> str:
    """EXPECTED.toml's key for a file name: bytes that are not UTF-8 written as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def shown(name: str) -> str:
    return key(name).replace("\n", "\\n")


def _committed() -> list[str]:
    return sorted(p.name for p in BAD.iterdir() if p.name not in make_bad.NOT_CORPUS)


class Corpus:
    """Every corpus file ready in `staging/` (same file system as the inbox), to be renamed in."""

    def __init__(self, root: Path) -> None:
        self.staging = root / "staging"
        self.staging.mkdir()
        for name in _committed():
            (self.staging / name).write_bytes((BAD / name).read_bytes())
        make_bad.generated(self.staging)  # the symlink's target goes to root/, outside any inbox
        self.names = sorted([*_committed(), *make_bad.GENERATED], key=key)
        assert {key(n) for n in self.names} == set(EXPECTED)

    def expect(self, name: str) -> str:
        return str(EXPECTED[key(name)]["expect"])

    def deliver(self, name: str, inbox: Path, n: int) -> Path:
        """Rename a staged file into the inbox, as an uploader finishing with a rename does; its
        mtime is set back so the daemon sees it was renamed in after its last write."""
        source, target = self.staging / name, inbox / name
        if self.expect(name) == "ignore":  # an upload still going on: leave its times alone
            os.rename(source, target)
            return target
        if not source.is_symlink():
            os.utime(source, ns=(n * 10**12, n * 10**12))
        os.rename(source, target)
        return target


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Corpus, Daemon]]:
    root = tmp_path_factory.mktemp("bad-daemon")
    corpus = Corpus(root)
    inst = Instance(root / "instance")
    done = inst.cli("ingest", str(SAMPLE), now=T0)
    assert done.returncode == 0, done.stderr
    daemon = inst.start_daemon(now=T1)
    try:
        daemon.wait_for("the daemon to start", lambda: "watching" in daemon.logs())
        yield inst, corpus, daemon
    finally:
        daemon.kill()


def _failed(inst: Instance) -> set[str]:
    return {p.name for p in (inst.inbox / "failed").iterdir()}


def _waiting(inst: Instance) -> set[str]:
    return {p.name for p in inst.inbox.iterdir() if p.name not in (".processing", "failed")}


def _processing(inst: Instance) -> list[str]:
    return [p.name for p in (inst.inbox / ".processing").iterdir()]


def _stored(inst: Instance) -> dict[str, str]:
    return inst.originals()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------ checks


def article_text(tree: dict[str, bytes]) -> str:
    """The visible text of every article page, whitespace removed."""
    texts = []
    for rel, data in tree.items():
        if rel.startswith("articles/") and rel.endswith(".html"):
            texts.append(lxml_html.document_fromstring(data).text_content())
    return "".join("".join(texts).split())


# ------------------------------------------------------------------------------------ tests


def test_rejects_land_in_failed_and_ignores_stay(setup: tuple[Instance, Corpus, Daemon]) -> None:
    inst, corpus, daemon = setup
    before = inst.tree()
    rejects = [n for n in corpus.names if corpus.expect(n) == "reject"]
    ignores = [n for n in corpus.names if corpus.expect(n) == "ignore"]
    ignored_bytes = {n: (corpus.staging / n).read_bytes() for n in ignores}
    for n, name in enumerate(rejects + ignores, start=1):
        corpus.deliver(name, inst.inbox, n)

    daemon.wait_for(
        "every reject in failed/",
        lambda: {f"{r}.error.txt" for r in rejects} <= _failed(inst) and not _processing(inst),
        timeout=45,
    )
    problems = []
    for name in rejects:
        moved = inst.inbox / "failed" / name
        if not (moved.exists() or moved.is_symlink()):
            problems.append(f"{shown(name)}: not in failed/")
            continue
        note = (inst.inbox / "failed" / f"{name}.error.txt").read_text(encoding="utf-8", errors="replace")
        reason = note.removeprefix(f"{name}: ").strip()
        if not re.search(EXPECTED[key(name)]["reason"], reason, re.IGNORECASE):
            problems.append(
                f"{shown(name)}: reason {reason!r} does not match {EXPECTED[key(name)]['reason']!r}"
            )
    assert not problems, "\n".join(problems)
    assert _failed(inst) == {n for r in rejects for n in (r, f"{r}.error.txt")}  # nothing else failed
    assert (inst.inbox / "failed" / "symlink-outside.txt").is_symlink()  # moved, never followed

    # nothing was published, and the ignored uploads are where they were, as they were
    assert inst.tree() == before, diff(inst.tree(), before)
    assert _waiting(inst) == set(ignores)
    assert {n: (inst.inbox / n).read_bytes() for n in ignores} == ignored_bytes
    assert daemon.alive()
    stored = _stored(inst)
    for name in rejects:
        path = inst.inbox / "failed" / name
        if path.is_file() and not path.is_symlink():
            assert _sha(path) not in stored, f"{shown(name)} was stored"


def _accepts() -> list[Any]:
    corpus_names = sorted([*_committed(), *make_bad.GENERATED], key=key)
    return [
        pytest.param(name, id=shown(name))
        for name in corpus_names
        if EXPECTED[key(name)]["expect"] == "accept"
    ]


@pytest.mark.parametrize("name", _accepts())
def test_accept_is_published_escaped_and_valid(name: str, setup: tuple[Instance, Corpus, Daemon]) -> None:
    inst, corpus, daemon = setup
    entry = EXPECTED[key(name)]
    before = inst.tree()
    sha = _sha(corpus.staging / name)
    corpus.deliver(name, inst.inbox, 1000 + corpus.names.index(name))
    daemon.wait_for(
        f"{shown(name)} to be processed",
        lambda: name not in _waiting(inst) and not _processing(inst),
        timeout=30,
    )
    if name in _failed(inst):
        note = (inst.inbox / "failed" / f"{name}.error.txt").read_text(errors="replace")
        pytest.fail(f"rejected: {note}")
    assert _stored(inst).get(sha) == "applied", daemon.logs()[-2000:]

    after = inst.tree()
    changed = diff(after, before)
    for rel in changed:
        if rel in after:
            check_document(rel, after[rel])
            check_escaped(rel, after[rel])
    published = article_text(after)
    for needle in entry.get("contains", []):
        assert "".join(needle.split()) in published, f"{needle!r} is not in any article page"
    for forbidden in entry.get("forbid", []):
        for rel in changed:
            if rel in after:
                assert forbidden not in after[rel].decode("utf-8"), f"{rel}: {forbidden!r}"
    assert len([r for r in after if r.startswith("articles/")]) >= entry.get("min_items", 1)
    for rel, data in after.items():
        assert SECRET.encode() not in data, rel
    assert daemon.alive()


ODD_ACCEPT = (
    os.fsdecode(b"odd-\xff\xfe-bytes-2023-06-27-p2.txt"),
    "odd\nnewline-2023-06-27-p3.txt",
)
ODD_REJECT = (os.fsdecode(b"odd-\xff-scan.txt"), "odd\n2023-06-27 12:00:00,000 INFO forged.txt")


def test_odd_names_never_stall_and_are_quoted(setup: tuple[Instance, Corpus, Daemon]) -> None:
    """New pages (not duplicates) and garbage under names with bytes that are not UTF-8 or a
    newline: each is stored or failed like any other, and its name is quoted in the log and in
    the reason, never written raw (a newline there would forge a log line)."""
    inst, _, daemon = setup
    headlines = {}
    for n, name in enumerate(ODD_ACCEPT, start=2):
        headline = f"文件名奇特的第{n}版稿件"
        headlines[name] = headline
        page = make_bad.page(headline=headline, top=f"2023年6月27日 星期二 第{n}版 综合", second=False)
        path = inst.inbox / name
        path.write_bytes(page.encode("utf-8"))
        os.utime(path, ns=(10**12, 10**12))
    for name in ODD_REJECT:
        path = inst.inbox / name
        path.write_bytes((BAD / "pdf-renamed.txt").read_bytes())
        os.utime(path, ns=(2 * 10**12, 2 * 10**12))
    everything = {*ODD_ACCEPT, *ODD_REJECT}
    daemon.wait_for(
        "the odd names to be processed",
        lambda: not (everything & _waiting(inst)) and not _processing(inst),
        timeout=30,
    )
    published = article_text(inst.tree())
    for name, headline in headlines.items():
        assert name not in _failed(inst), shown(name)
        assert headline in published, shown(name)
    for name in ODD_REJECT:
        note = (inst.inbox / "failed" / f"{name}.error.txt").read_text(encoding="utf-8")
        assert note.count("\n") == 1 and note.endswith("\n"), repr(note)
        assert re.search("PDF|no text layer", note), repr(note)  # a PDF is read as one, whatever its name
        assert shown(name) in note, repr(note)
    for line in daemon.logs().splitlines():
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ", line), (
            f"a forged or broken log line: {line!r}"
        )
    assert daemon.alive()


def test_the_daemon_stops_cleanly(setup: tuple[Instance, Corpus, Daemon]) -> None:
    inst, corpus, daemon = setup
    for rel, data in inst.tree().items():
        check_document(rel, data)
    assert not _processing(inst)
    assert _waiting(inst) == {n for n in corpus.names if corpus.expect(n) == "ignore"}  # still untouched
    daemon.stop()
    assert "Traceback" not in daemon.logs(), daemon.logs()[-3000:]
