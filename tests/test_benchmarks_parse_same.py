"""benchmarks/parse_same.py: the parser-output check a speed-up is held to finds a difference."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "parse_same.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), *args, "--days", "1", "--pdfs", "0"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_parse_same_agrees_with_itself_and_names_a_changed_parse(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    done = _run(str(first))
    assert done.returncode == 0, done.stderr
    digests = json.loads(first.read_text(encoding="utf-8"))
    assert any(k.startswith("parse:synthetic1/") for k in digests)
    assert any(k.startswith("bytes:") and k.endswith("#3") for k in digests)  # mutated copies
    assert any(k.startswith("pdf:") for k in digests)
    same = _run(str(second), "--against", str(first))
    assert same.returncode == 0, same.stdout + same.stderr
    assert f"0 of {len(digests)} differ" in same.stdout

    changed = sorted(digests)[len(digests) // 2]
    digests[changed] = "0" * 64
    first.write_text(json.dumps(digests), encoding="utf-8")
    differs = _run(str(second), "--against", str(first))
    assert differs.returncode == 1
    assert f"differs: {changed}" in differs.stdout
    assert f"1 of {len(digests)} differ" in differs.stdout


def test_parse_same_keys_shared_samples_by_name_from_any_folder(tmp_path: Path) -> None:
    shared = tmp_path / "fixtures"
    shared.mkdir()
    page = ROOT / "tests" / "data" / "pages" / "qiantang-2023-06-26-p1.txt"
    (shared / "other-paper-p1.txt").write_bytes(page.read_bytes())
    out = tmp_path / "a.json"
    done = _run(str(out), "--shared", str(shared))
    assert done.returncode == 0, done.stderr
    digests = json.loads(out.read_text(encoding="utf-8"))
    assert "parse:shared/other-paper-p1.txt#0" in digests
    assert "bytes:shared/other-paper-p1.txt#3" in digests
    missing = _run(str(tmp_path / "b.json"), "--shared", str(tmp_path / "nowhere"))
    assert missing.returncode == 0
    assert "nowhere: no such folder, the shared samples are left out" in missing.stderr
