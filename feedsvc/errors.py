"""One error hierarchy for feedsvc.

    FeedsvcError                  anything feedsvc raises on purpose; the CLI prints it on one line
    ├── ConfigError               a bad configuration value (names the key)
    ├── ParseError                a submission that is not a newspaper page (names the file, the reason)
    ├── StoreError                the store cannot be opened or is inconsistent
    │   └── MissingStore          the store file is missing or empty where one was expected
    ├── PublishError              an output file could not be written (names the path); old files stay
    ├── CorrectionError           an editor's corrections file that cannot be used (names file and key)
    └── LockError                 another feedsvc process holds the lock

Every other exception is a bug.
"""

from __future__ import annotations


class FeedsvcError(Exception):
    """Base of every error feedsvc raises on purpose."""


class ConfigError(FeedsvcError):
    """A configuration value is missing or wrong."""


class ParseError(FeedsvcError):
    """A submission could not be read as a newspaper page."""

    def __init__(self, reason: str, source: str = "<text>", line: int | None = None) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")


class CorrectionError(FeedsvcError):
    """A corrections file that cannot be used as a whole: bad TOML, a wrong key or type, an unknown id."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        self.file = file
        self.key = key
        self.reason = reason
        self.detail = f"{key}: {reason}" if key else reason  # without the file's name
        super().__init__(f"{file}: {self.detail}")


class StoreError(FeedsvcError):
    """The store could not be used."""


class MissingStore(StoreError):
    """The store file is missing or empty where one was expected (`Store.open(create=False)`)."""

    def __init__(self, path: object) -> None:
        self.path = path
        super().__init__(f"{path}: the store is missing or empty")


class PublishError(FeedsvcError):
    """An output file could not be written; the previous version is intact."""


class LockError(FeedsvcError):
    """Another feedsvc process holds the write lock."""
