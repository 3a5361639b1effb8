"""feedsvc.signals: SIGTERM/SIGINT set an event without work in the signal handler.

The handler a signal interrupts the main thread with must not take a lock that thread may hold:
the old handlers logged and called `Event.set`, and a signal arriving while the main thread was
inside `Event.wait` (which holds the event's plain `Lock` for a few bytecodes) waited forever on
that lock. The cases here interrupt the main thread while it holds those locks.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from feedsvc.signals import StopSignals
from tests.e2e_helpers import ROOT

# The main thread holds the stop event's lock (as `Event.wait` does on its way in and out) and
# the logging handler's lock, and a SIGTERM interrupts it right there (raise_signal runs the
# handler before it returns). A handler that sets the event or logs never returns.
HELD_LOCKS = textwrap.dedent(
    """
    import logging, signal, sys, threading
    from feedsvc.signals import StopSignals
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    stop = threading.Event()
    with StopSignals(stop, "stopping"):
        with stop._cond, logging.getLogger().handlers[0].lock:
            signal.raise_signal(signal.SIGTERM)
            print("handler returned", flush=True)
        assert stop.wait(10), "the relay never set the event"
    print("stopped", flush=True)
    """
)


def test_a_signal_while_the_main_thread_holds_the_event_and_logging_locks() -> None:
    done = subprocess.run(
        [sys.executable, "-c", HELD_LOCKS], cwd=ROOT, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["handler returned", "received SIGTERM: stopping", "stopped"]


def test_the_handler_takes_no_lock() -> None:
    """Called with the stop event's lock and every logging lock held elsewhere, it returns at once."""
    stop = threading.Event()
    signals = StopSignals(stop, "stopping")
    root = logging.getLogger()
    locks = [stop._cond, *(h.lock for h in root.handlers if h.lock is not None)]
    returned = threading.Event()

    def interrupt() -> None:
        signals.handler(signal.SIGTERM, None)
        returned.set()

    for lock in locks:
        lock.acquire()
    try:
        thread = threading.Thread(target=interrupt, daemon=True)
        thread.start()
        assert returned.wait(10), "the handler waited for a lock"
    finally:
        for lock in reversed(locks):
            lock.release()
    thread.join(10)
    assert signals.received == signal.SIGTERM
    assert not stop.is_set()  # the relay thread sets it, from the wakeup fd, never the handler


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_sets_the_event_and_is_logged_then_handlers_come_back(
    sig: signal.Signals, caplog: pytest.LogCaptureFixture
) -> None:
    stop = threading.Event()
    before, fd_before = signal.getsignal(sig), signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd_before)
    with caplog.at_level(logging.INFO, logger="feedsvc.signals"), StopSignals(stop, "stopping") as signals:
        assert signal.getsignal(sig) == signals.handler
        signal.raise_signal(sig)
        assert stop.wait(10), "the event was not set"
    assert f"received {sig.name}: stopping" in caplog.messages
    assert signal.getsignal(sig) == before
    fd_after = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd_after)
    assert fd_after == fd_before


def test_a_signal_delivered_to_another_thread_sets_the_event() -> None:
    """The kernel may hand a process's signal to any thread; the relay reads the C handler's
    byte from the wakeup fd, so the event is set even before the main thread runs the handler."""
    stop = threading.Event()
    with StopSignals(stop, "stopping"):
        thread = threading.Thread(target=lambda: signal.pthread_kill(threading.get_ident(), signal.SIGTERM))
        thread.start()
        thread.join(10)
        assert stop.wait(10), "the event was not set"


def test_install_refuses_a_thread_other_than_the_main_one() -> None:
    errors: list[BaseException] = []

    def install() -> None:
        try:
            StopSignals(threading.Event(), "stopping").install()
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=install)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and "main thread" in str(errors[0])
