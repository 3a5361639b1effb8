"""What the output folder was last published with, besides the store: the settings that shape its
files, and the templates and static files of the site's look.

An ingest or an edit rewrites the pages its entries touch. The rest (the documents and pages of
feeds it did not touch, the home page, the article pages of other days) keeps the look it was
made with. After a change of the paper's name, of the feeds' sizes, of `publish.hold`, of the
site's language, or after a theme edit, those files would show the old settings until the nightly
regenerate. So the store folder keeps a note of what the last whole publish was made with
(`published-with`: the shaping settings, a digest of the templates and static files). When it
differs from the running settings, `pipeline` publishes everything at the next chance (an ingest,
an edit or the daemon's next scan), as it does after a failed publish, and says what changed.

A daemon keeps the same note of what it runs with (`daemon-with`). A one-shot command that would
publish with other settings while that daemon runs is refused (`check_daemon`): the daemon, seeing
the output made with settings not its own, would publish everything again with its own, and the
two would undo each other's work on every run.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from feedsvc import lock, manifest
from feedsvc.config import Settings
from feedsvc.errors import ConfigError, PublishError, StoreError
from feedsvc.render import keys, theme
from feedsvc.render.common import RENDER_VERSION

NAME = "published-with"
DAEMON_NAME = "daemon-with"  # what the daemon running on this store runs with
# what a file's bytes depend on besides the store; `paper.earliest_date` only decides what is taken
_SHAPING = {"paper", "sections", "slugs", "feeds", "site", "publish"}
_NOT_SHAPING = {"paper": {"earliest_date"}, "site": {"theme"}}  # the theme by its files, not its path


def note(settings: Settings) -> str:
    """What the output is made with now, as the note `record` keeps: the shaping settings, a digest
    of the templates and static files, the renderers' versions (JSON, one line)."""
    shaping = settings.model_dump(mode="json", include=_SHAPING, exclude=_NOT_SHAPING)
    folder = settings.site.theme
    return _note(
        json.dumps(shaping, sort_keys=True, ensure_ascii=False), None if folder is None else str(folder)
    )


@functools.cache
def _note(shaping: str, folder: str | None) -> str:
    made = {
        "versions": f"render {RENDER_VERSION}, article {keys.ARTICLE_VERSION}",
        "look": theme.look_digest(folder),
        "settings": json.loads(shaping),
    }
    return json.dumps(made, sort_keys=True, ensure_ascii=False)


def behind(settings: Settings) -> str | None:
    """Why the output is not what the running settings and look make, if it is not. An output
    folder that feedsvc has not published to yet (no manifest) is not behind: nothing old is in it."""
    listed = (settings.paths.output / manifest.NAME).exists()
    try:
        kept = (settings.paths.store / NAME).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return (
            None if not listed else "the output was published by a version that kept no note of its settings"
        )
    except (OSError, UnicodeDecodeError) as exc:
        return f"{NAME} in the store folder is unreadable ({exc})"
    if not listed:
        return "the output folder was deleted or moved since it was published"
    now = note(settings)
    if kept == now:
        return None
    return f"changed since the output was last published whole: {', '.join(_changes(kept, now, NAME))}"


def _changes(kept: str, now: str, name: str) -> list[str]:
    """What differs between two notes, by name (`paper.base_url`, the look, the versions)."""
    try:
        before = json.loads(kept)
        after = json.loads(now)
        was, shaping = before["settings"], after["settings"]
    except (ValueError, KeyError, TypeError):
        return [f"{name} in the store folder is not a note of this version"]
    found = []
    for section in sorted(set(was) | set(shaping)):
        old, new = was.get(section), shaping.get(section)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            found += [
                f"{section}.{key}" for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)
            ]
        else:
            found.append(section)
    if before.get("look") != after["look"]:
        found.append("the site's templates or static files")
    if before.get("versions") != after["versions"]:
        found.append("the renderers' versions")
    return found or ["the note's form"]


def record(settings: Settings, made: str) -> None:
    """Keep `made` (`note` as the publish began, before it read a template: a theme saved during a
    regenerate counts as not yet published) after a whole publish, or the first one into an empty
    folder. Lost to a crash, the next publish is whole."""
    _write(settings.paths.store / NAME, made, PublishError)


def daemon_lock(settings: Settings) -> lock.DaemonLock:
    """The lock a daemon holds for its life, taken with the note of what it runs with
    (`daemon-with`), which `check_daemon` compares a command's settings to."""
    made = note(settings)  # a theme file that cannot be read stops the start before the lock
    return lock.DaemonLock(
        settings.paths.store,
        announce=lambda: _write(settings.paths.store / DAEMON_NAME, made, StoreError),
    )


def publishing_with(settings: Settings) -> str:
    """The note a publish beginning now is made with, once `check_daemon` let it go on."""
    made = note(settings)
    check_daemon(settings, made)
    return made


def check_daemon(settings: Settings, ours: str) -> None:
    """Refuse (ConfigError) to publish with settings other than those of a daemon that another
    process runs on this store (`ours`: `note(settings)`); a daemon of an older version, which
    kept no note, is not asked."""
    if not lock.daemon_elsewhere(settings.paths.store):
        return
    path = settings.paths.store / DAEMON_NAME
    try:
        theirs = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: unreadable ({exc})") from exc
    if theirs != ours:
        changed = ", ".join(_changes(theirs, ours, DAEMON_NAME))
        raise ConfigError(
            f"{path}: the daemon running on this store has other settings ({changed}); run this "
            "command with the daemon's config and FEEDSVC_* environment, or restart the daemon "
            "with these settings"
        )


def _write(target: Path, text: str, error: type[PublishError] | type[StoreError]) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        raise error(f"{target}: cannot write: {exc.strerror}") from exc
