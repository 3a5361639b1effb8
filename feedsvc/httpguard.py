"""Limits that keep the HTTP server up when clients misbehave (idle or slow connections, floods).

uvicorn closes a keep-alive connection that stays idle after a response, but not one that never
sends a complete request: ~1,000 such connections used up a systemd service's 1,024 file
descriptors, after which nothing was served and the daemon's inbox scan failed with EMFILE.
`guarded_protocol` makes uvicorn's h11 protocol

- close a connection at once when `max_connections` are open already (before reading anything);
- close a connection whose request head is not complete `header_timeout` seconds after it
  opened, or after its previous response (uvicorn's own `timeout_keep_alive` closes an idle
  keep-alive connection sooner).

`raise_file_limit` lifts the process's soft limit on open files to its hard limit, so the server's
connections and the daemon's files do not share a small budget.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from feedsvc.logs import RateLimited

log = logging.getLogger(__name__)
_refused = RateLimited(log)  # a flood of connections is logged once a minute, not once each


def guarded_protocol(max_connections: int, header_timeout: float) -> type[asyncio.Protocol]:
    """An h11 protocol class with the connection cap and the request-head timeout."""

    class Guarded(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._head_timer: asyncio.TimerHandle | None = None
            self._cycle_seen: object = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                _refused.warning("too many connections (%d open): new ones are closed", max_connections)
                transport.abort()
                return
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timeout(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing():
                self.transport.abort()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.cycle is not None and self.cycle is not self._cycle_seen:
                self._cycle_seen = self.cycle  # a request head arrived whole
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Guarded


def raise_file_limit() -> None:
    """Lift the soft limit on open files to the hard limit (best effort; POSIX only)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 1 << 16 if hard == resource.RLIM_INFINITY else hard
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (OSError, ValueError) as exc:
        log.debug("cannot raise the open files limit: %s", exc)
