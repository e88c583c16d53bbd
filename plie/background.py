"""A job that runs in one daemon thread per process until it is told to stop."""

import threading
from collections.abc import Callable


class BackgroundThread:
    """Starts its job at most once at a time; the job waits on the event it is given."""

    def __init__(self, name: str):
        self.name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop: threading.Event | None = None

    def start(self, job: Callable[[threading.Event], None]) -> threading.Thread:
        """Run `job(stop)` in a new thread, unless this one's thread is still running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return self._thread
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=job, args=(self._stop,), name=self.name, daemon=True
            )
            self._thread.start()
            return self._thread

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the job to stop, and wait for it at most `timeout` seconds."""
        with self._lock:
            stop, thread = self._stop, self._thread
            self._stop = self._thread = None
        if stop is not None:
            stop.set()
            thread.join(timeout)
