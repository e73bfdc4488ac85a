"""Where a request's time went, as the `Server-Timing` header an operator reads in the browser or in curl."""

from __future__ import annotations

import time


class Stopwatch:
    """Milliseconds spent in each named part of a piece of work, in the order they ran."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        """Charge the time since the last lap to ``name``."""
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + (now - self._last) * 1000
        self._last = now


def server_timing(parts: dict[str, float], *, decimals: int = 2) -> str:
    """A `Server-Timing` header value: each part with its duration in milliseconds."""
    return ", ".join(f"{name};dur={ms:.{decimals}f}" for name, ms in parts.items())
