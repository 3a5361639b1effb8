"""The paper's icons: drawn the same every time, the sizes the feeds announce, written once."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from feedsvc.publish import build_all, write
from feedsvc.render import icons
from tests.render_helpers import FakeSource, fixture_entries, settings


def test_icons_are_deterministic_and_sized() -> None:
    first = dict(icons.files())
    icons.files.cache_clear()
    assert dict(icons.files()) == first
    assert set(first) == {"icon.png", "favicon.png", "favicon.ico", "logo.png"}
    sizes = {path: Image.open(io.BytesIO(data)).size for path, data in first.items()}
    assert sizes["icon.png"] == (512, 512)  # Atom: an icon is square
    assert sizes["logo.png"] == (512, 256)  # Atom: a logo is twice as wide as tall
    assert sizes["favicon.png"] == (64, 64)
    ico = Image.open(io.BytesIO(first["favicon.ico"]))
    assert ico.format == "ICO" and {(16, 16), (32, 32), (48, 48)} <= set(ico.info["sizes"])


def test_icons_are_written_when_missing_and_left_alone_otherwise(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = dict(build_all(FakeSource(fixture_entries()), settings(out)))
    assert {"icon.png", "favicon.png", "favicon.ico", "logo.png"} <= set(files)
    write(out, files.items())
    (out / "icon.png").write_bytes(b"a theme's own icon")
    (out / "favicon.ico").unlink()
    again = build_all(FakeSource(fixture_entries()), settings(out))
    produced = dict(again)
    assert "icon.png" not in produced and "icon.png" in again.kept
    assert produced["favicon.ico"] == dict(icons.files())["favicon.ico"]
    assert not again.obsolete
