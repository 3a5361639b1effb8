"""Helpers for the crash, fault and hostile-corpus tests: instances on temporary folders, the CLI
and the daemon as subprocesses (with a fixed clock and optional fault injection), and a check that
every file in an output folder is a complete, valid document."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from lxml import etree
from lxml import html as lxml_html
from PIL import Image

from feedsvc import journal
from feedsvc.cli import NOW_ENV
from feedsvc.faults import CRASH_ENV, FAIL_ENV
from feedsvc.manifest import NAME as MANIFEST
from feedsvc.manifest import PARTS as MANIFEST_PARTS
from feedsvc.pipeline import PENDING_MARKER
from feedsvc.publish import TEMP_SUFFIX
from feedsvc.store import Store
from tests.e2e_helpers import ROOT, SAMPLE, child_env, wait_for, write_config
from tests.render_helpers import check_atom, check_json_feed, check_rss

JOURNAL = f"{MANIFEST_PARTS}/{journal.NAME}"  # a full run's list of the files it renames

BAD = ROOT / "tests" / "data" / "bad"
_ATOM = "{http://www.w3.org/2005/Atom}"
T0 = "2023-06-26T08:00:00+08:00"  # when the first page was ingested
T1 = "2023-06-27T10:00:00+08:00"  # when the correction and the next issue arrive
SIGKILLED = -signal.SIGKILL
OUTPUT_SUFFIXES = (".atom", ".rss", ".json", ".html", ".opml", ".png", ".ico")  # all the publisher writes


def corrected_sample() -> bytes:
    """The sample page corrected: one article's text edited, its last article (the only one by
    陈奕钧) taken out, so ingesting it updates entries, retracts one and empties a contributor feed."""
    text = SAMPLE.read_text(encoding="utf-8")
    start, end = text.index("沈燕俊在开展"), text.index("倒计时89天")
    text = text[:start] + text[end:]
    edited = text.replace("协奏曲。", "协奏曲,奋力打造基层治理新样板。")
    assert edited != text
    return edited.encode("utf-8")


def load_make_bad() -> ModuleType:
    """tests/data/bad/make_bad.py as a module."""
    if "make_bad" in sys.modules:
        return sys.modules["make_bad"]
    spec = importlib.util.spec_from_file_location("make_bad", BAD / "make_bad.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_bad"] = module
    spec.loader.exec_module(module)
    return module


def next_issue() -> bytes:
    """A small front page of 2023-06-27 by contributors the sample page already has."""
    page: str = load_make_bad().page()
    return page.encode("utf-8")


class Instance:
    """A feedsvc instance in `folder`: config/, inbox/, var/ (the store), feeds/ (the output)."""

    def __init__(self, folder: Path, *, port: int = 8999, scan_interval: float = 0.2) -> None:
        self.folder = folder
        if not (folder / "config" / "feedsvc.toml").exists():
            write_config(folder, port=port, scan_interval=scan_interval)
        self.config = folder / "config" / "feedsvc.toml"
        self.inbox = folder / "inbox"
        self.store = folder / "var"
        self.output = folder / "feeds"

    def copy(self, folder: Path) -> Instance:
        shutil.copytree(self.folder, folder, symlinks=True)
        return Instance(folder)

    def env(self, now: str, crash: str | None = None, fail: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in child_env(**{NOW_ENV: now}).items() if k not in (CRASH_ENV, FAIL_ENV)}
        if crash:
            env[CRASH_ENV] = crash
        if fail:
            env[FAIL_ENV] = fail
        return env

    def cli(
        self,
        *args: str,
        now: str = T1,
        crash: str | None = None,
        fail: str | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "feedsvc.cli",
                "--config",
                str(self.config),
                "--log-level",
                "WARNING",
                *args,
            ],
            cwd=self.folder,
            env=self.env(now, crash, fail),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start_daemon(
        self,
        *,
        now: str = T1,
        crash: str | None = None,
        fail: str | None = None,
        log_name: str = "daemon.log",
    ) -> Daemon:
        return Daemon(self, now=now, crash=crash, fail=fail, log=self.folder / log_name)

    @property
    def pending(self) -> bool:
        return (self.store / PENDING_MARKER).exists()

    def originals(self) -> dict[str, str]:
        """sha256 → status of every stored submission (the store is opened as a restart would)."""
        if not (self.store / "feedsvc.sqlite3").exists():
            return {}
        with Store.open(self.store) as store:
            return {
                hashlib.sha256(data).hexdigest(): submission.status for submission, data in store.originals()
            }

    def tree(self) -> dict[str, bytes]:
        """Every file below the output folder (hidden ones too) as relative path → bytes."""
        if not self.output.exists():
            return {}
        return {
            p.relative_to(self.output).as_posix(): p.read_bytes()
            for p in sorted(self.output.rglob("*"))
            if p.is_file()
        }

    def inbox_files(self) -> dict[str, bytes]:
        """Files in the inbox and in .processing/ (not failed/), relative path → bytes."""
        found: dict[str, bytes] = {}
        for folder in (self.inbox, self.inbox / ".processing"):
            if folder.is_dir():
                for p in folder.iterdir():
                    if p.is_file() and not p.is_symlink():
                        found[p.relative_to(self.inbox).as_posix()] = p.read_bytes()
        return found


class Daemon:
    """`feedsvc run` as a subprocess; `stop()` sends SIGTERM and expects exit 0."""

    def __init__(self, inst: Instance, *, now: str, crash: str | None, fail: str | None, log: Path) -> None:
        self.inst = inst
        self.log_path = log
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "feedsvc.cli", "--config", str(inst.config), "run"],
            cwd=inst.folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=inst.env(now, crash, fail),
        )

    def logs(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the daemon did not exit within {timeout:.0f} s:\n{self.logs()}") from None

    def stop(self, timeout: float = 30) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        code = self.wait(timeout)
        self.log.close()
        assert code == 0, f"exit {code}:\n{self.logs()}"

    def kill(self) -> None:
        if self.alive():
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()

    def wait_for(self, what: str, check: object, timeout: float = 30) -> None:
        def ok() -> bool:
            assert self.alive(), (
                f"the daemon exited ({self.proc.returncode}) waiting for {what}:\n{self.logs()}"
            )
            return bool(check() if callable(check) else check)

        try:
            wait_for(what, ok, timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- daemon log ---\n{self.logs()}") from None


# ------------------------------------------------------------------------------------ validity


def _xml(data: bytes, rel: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise AssertionError(f"{rel}: not well-formed XML: {exc}") from None


def check_document(rel: str, data: bytes) -> None:
    """One output file is a complete, valid document of its kind."""
    assert data, f"{rel}: empty"
    suffix = Path(rel).suffix
    if rel == MANIFEST:  # feedsvc's list of the files it wrote (never served)
        assert data.startswith(b"feedsvc output manifest 1\nstore ") and data.endswith(b"\n"), data[:80]
        return
    if rel.startswith(MANIFEST_PARTS + "/"):  # a part of that list
        assert data.startswith(b"feedsvc output manifest part 1\n") and data.endswith(b"\n"), data[:80]
        return
    try:
        if rel.startswith("pagefind/"):  # the search index (feedsvc/search.py): Pagefind's own files
            if suffix == ".json":
                json.loads(data)
        elif rel.startswith("static/"):  # the site's style sheet, script, icon
            if suffix == ".svg":
                _xml(data, rel)
            else:
                data.decode("utf-8")
        elif suffix == ".atom":
            root = _xml(data, rel)
            assert root.tag == "{http://www.w3.org/2005/Atom}feed", rel
            check_atom(data)
        elif suffix == ".rss":
            assert _xml(data, rel).tag == "rss", rel
            check_rss(data)
        elif suffix == ".json":
            check_json_feed(data)
        elif suffix in (".png", ".ico"):
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        elif suffix == ".opml":
            assert _xml(data, rel).tag == "opml", rel
        elif suffix == ".html":
            text = data.decode("utf-8")
            assert text.lstrip().lower().startswith("<!doctype html"), f"{rel}: {text[:60]!r}"
            assert text.rstrip().lower().endswith("</html>"), f"{rel}: truncated: {text[-60:]!r}"
            lxml_html.document_fromstring(data)
        else:
            raise AssertionError(f"{rel}: not an output type ({', '.join(OUTPUT_SUFFIXES)})")
    except AssertionError as exc:
        raise AssertionError(f"{rel}: {exc}") from None
    except (ValueError, json.JSONDecodeError) as exc:
        raise AssertionError(f"{rel}: {exc}") from None


def check_output(
    tree: dict[str, bytes], *, temp_allowed: bool = True, known: Iterable[dict[str, bytes]] = ()
) -> dict[str, bytes]:
    """Every served file in `tree` is a valid document; a hidden one may only be write()'s temporary
    file (never served: its name starts with a dot). A file with the same bytes as in one of the
    `known` trees (checked before) is not parsed again. Returns the served files."""
    served: dict[str, bytes] = {}
    seen = list(known)
    for rel, data in tree.items():
        parts = rel.split("/")
        if rel == MANIFEST or (parts[0] == MANIFEST_PARTS and not parts[-1].startswith(".")):
            check_document(rel, data)
            continue
        if rel == JOURNAL:  # a full run killed: the files it was renaming (folded in by the next)
            assert temp_allowed, f"left behind: {rel}"
            continue
        if any(part.startswith(".") for part in parts):
            assert temp_allowed, f"left behind: {rel}"
            assert parts[-1].startswith(".") and parts[-1].endswith(TEMP_SUFFIX), f"unexpected: {rel}"
            continue
        if not any(other.get(rel) == data for other in seen):
            check_document(rel, data)
        served[rel] = data
    return served


def diff(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Paths whose bytes differ between two trees (or that only one has)."""
    return sorted(p for p in a.keys() | b.keys() if a.get(p) != b.get(p))


def _no_script(fragment: str, where: str) -> None:
    """An HTML fragment (a page, Atom content, JSON content_html) holds no script and no raw ]]>."""
    assert "]]>" not in fragment, f"{where}: raw ]]>"
    if not fragment.strip():
        return
    doc = lxml_html.fragment_fromstring(fragment, create_parent="div")
    scripts = doc.xpath(".//script") + [
        el for el in doc.iter() if isinstance(el.tag, str) and any(a.startswith("on") for a in el.attrib)
    ]
    assert not scripts, f"{where}: markup from the page came through: {etree.tostring(scripts[0])[:120]!r}"


def check_escaped(rel: str, data: bytes) -> None:
    """Markup printed on a page reaches no reader as markup. (The search page's scripts, the
    site's static files and the search index hold no page text: they are not checked here.)"""
    if rel == "search.html" or rel.startswith(("pagefind/", "static/")):
        return
    if rel.endswith(".html"):
        text = data.decode("utf-8")
        assert not re.search(r"<script", text, re.IGNORECASE), f"{rel}: <script> in a page"
        assert "]]>" not in text, f"{rel}: raw ]]>"
        doc = lxml_html.document_fromstring(data)
        assert not [
            el for el in doc.iter() if isinstance(el.tag, str) and any(a.startswith("on") for a in el.attrib)
        ], rel
    elif rel.endswith(".atom"):
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=True))
        for el in root.iter(f"{_ATOM}content", f"{_ATOM}summary", f"{_ATOM}title"):
            if el.get("type") == "html":
                _no_script(el.text or "", f"{rel}: {el.tag}")
            elif el.get("type") == "xhtml":
                raise AssertionError(f"{rel}: xhtml content")
    elif rel.endswith(".json"):
        for item in json.loads(data)["items"]:
            _no_script(item.get("content_html", ""), f"{rel}: {item['id']}")
