"""What the output folder was last published with, besides the store: the settings that shape its
files, and the templates and static files of the site's look.

An ingest or an edit rewrites the pages its entries touch. The rest (the documents and pages of
feeds it did not touch, the home page, the article pages of other days) keeps the look it was
made with. After a change of the paper's name, of the feeds' sizes, of `publish.hold`, of the
site's language, or after a theme edit, those files would show the old settings until the nightly
regenerate. So the store folder keeps a digest of what the last whole publish was made with
(`published-with`). When it differs from the running settings, `pipeline` publishes everything at
the next chance, as it does after a failed publish. That chance is an ingest, an edit or the
daemon's next scan.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os

from feedsvc import manifest
from feedsvc.config import Settings
from feedsvc.errors import StoreError
from feedsvc.render import keys, theme
from feedsvc.render.common import RENDER_VERSION

NAME = "published-with"
# what a file's bytes depend on besides the store; `paper.earliest_date` only decides what is taken
_SHAPING = {"paper", "sections", "slugs", "feeds", "site", "publish"}
_NOT_SHAPING = {"paper": {"earliest_date"}, "site": {"theme"}}  # the theme by its files, not its path


def digest(settings: Settings) -> str:
    """The digest of the settings, templates and static files the output is made with now."""
    shaping = settings.model_dump(mode="json", include=_SHAPING, exclude=_NOT_SHAPING)
    folder = settings.site.theme
    return _digest(json.dumps(shaping, sort_keys=True), None if folder is None else str(folder))


@functools.cache
def _digest(shaping: str, folder: str | None) -> str:
    versions = f"render {RENDER_VERSION}\narticle {keys.ARTICLE_VERSION}\n"
    text = f"{versions}{shaping}\n{theme.look_digest(folder)}\n"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def current(settings: Settings) -> bool:
    """Was the output last published whole with what `digest` gives now? An output folder that
    feedsvc has not published to yet (no manifest) counts as current: there is nothing old in it."""
    try:
        recorded = (settings.paths.store / NAME).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return not (settings.paths.output / manifest.NAME).exists()
    except (OSError, UnicodeDecodeError):
        return False  # unreadable: publish everything, then write it again
    return recorded == digest(settings)


def record(settings: Settings) -> None:
    """Note that every output was just published with the running settings (after a whole
    publish, or the first one into an empty folder). Lost to a crash, the next publish is whole."""
    target = settings.paths.store / NAME
    tmp = target.with_name(f".{NAME}.tmp")
    try:
        tmp.write_text(digest(settings) + "\n", encoding="ascii")
        os.replace(tmp, target)
    except OSError as exc:
        raise StoreError(f"{target}: cannot write: {exc.strerror}") from exc
