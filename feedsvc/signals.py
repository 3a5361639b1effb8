"""SIGTERM and SIGINT turned into a `threading.Event`, with no work inside the signal handler.

A Python signal handler runs in the main thread between two bytecodes, wherever that thread is:
inside `threading.Event.wait` (holding the event's lock, a plain `Lock`) or inside a log call
(holding the logging handler's lock, or the stream's buffer during a write). A handler that sets an
`Event` or logs can then wait forever on a lock its own thread holds, or fail and lose the signal.

So the handler here only notes the signal's number in a plain attribute. The interpreter's C-level
handler also writes that number to a wakeup socket (`signal.set_wakeup_fd`), whichever thread the
signal reached; a thread of ours reads it, logs it and sets the caller's event. The main thread
just waits on the event (or polls it), and the logging and the `Event.set` happen in an ordinary
thread, never in the handler.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterable
from types import FrameType, TracebackType
from typing import Any

log = logging.getLogger(__name__)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


class StopSignals:
    """While installed (`with StopSignals(stop, "stopping"):`), each of `signals` logs
    "received SIGTERM: <then>" and sets `stop`, from the thread `feedsvc-signals`. Install and
    restore from the main thread; the previous handlers and wakeup fd come back on restore."""

    def __init__(
        self,
        stop: threading.Event,
        then: str,
        *,
        logger: logging.Logger = log,
        signals: Iterable[signal.Signals] = STOP_SIGNALS,
    ) -> None:
        self.stop = stop
        self.then = then
        self.logger = logger
        self.signals = frozenset(signals)
        self.received: int | None = None  # the last signal the handler noted
        self._previous: dict[int, _Handler] = {}
        self._previous_fd: int | None = None
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._relay: threading.Thread | None = None

    def handler(self, signum: int, _frame: FrameType | None) -> None:
        """The Python-level handler: one attribute store. No lock, no logging, no I/O."""
        self.received = signum

    def install(self) -> StopSignals:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("signal handlers can only be installed from the main thread")
        reader, writer = self._sockets = socket.socketpair()
        writer.setblocking(False)  # set_wakeup_fd requires it: the C handler must never block
        self._relay = threading.Thread(target=self._relay_signals, args=(reader,), name="feedsvc-signals")
        self._relay.daemon = True
        self._relay.start()
        self._previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        for sig in sorted(self.signals):
            self._previous[sig] = signal.signal(sig, self.handler)
        return self

    def restore(self) -> None:
        """Put back the previous handlers and wakeup fd; end the relay thread (idempotent)."""
        for sig, previous in self._previous.items():
            signal.signal(sig, signal.SIG_DFL if previous is None else previous)
        self._previous.clear()
        if self._previous_fd is not None:
            signal.set_wakeup_fd(self._previous_fd)
            self._previous_fd = None
        if self._sockets is not None:
            reader, writer = self._sockets
            writer.close()  # the relay reads the end of the stream and returns
            if self._relay is not None:
                self._relay.join(timeout=5.0)
            reader.close()
            self._sockets = self._relay = None

    def _relay_signals(self, reader: socket.socket) -> None:
        while data := reader.recv(64):
            for signum in data:
                if signum in self.signals:
                    self.logger.info("received %s: %s", signal.Signals(signum).name, self.then)
                    self.stop.set()

    def __enter__(self) -> StopSignals:
        return self.install()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.restore()
