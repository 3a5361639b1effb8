"""The output manifest is written sorted, whatever order (or repeats) the file it was read from had:
the lines as read are merged with the files added since rather than sorted again."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsvc import manifest

_PATHS = st.lists(st.sampled_from(["a.html", "b/c.atom", "b/d.rss", "e.json", "f/g/h.html", "z.opml"]))


@settings(max_examples=60, deadline=None)
@given(on_disk=_PATHS, produced=_PATHS, obsolete=_PATHS)
def test_written_sorted_and_once(
    tmp_path_factory: pytest.TempPathFactory, on_disk: list[str], produced: list[str], obsolete: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("m")
    (folder / manifest.NAME).write_text(
        "".join(f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *on_disk]), encoding="utf-8"
    )
    before = manifest.read(folder)
    assert before is not None and before.files == set(on_disk)
    after = manifest.updated(before, "s", produced, obsolete)
    manifest.write(folder, after)
    expected = sorted((set(on_disk) | set(produced)) - set(obsolete))
    text = (folder / manifest.NAME).read_text(encoding="utf-8")
    assert text == "".join(f"{line}\n" for line in ["feedsvc output manifest 1", "store s", *expected])
