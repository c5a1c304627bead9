"""Named crash points for kill -9 tests: `REGWATCH_CRASH_AT=<name>` kills the process there.

Timing a SIGKILL from outside cannot reliably land inside a sub-second load; these points make
the crash-and-rerun tests deterministic. Unset (always, in production), they do nothing.
"""

from __future__ import annotations

import os
import signal

ENV_VAR = "REGWATCH_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(ENV_VAR) == name:
        os.kill(os.getpid(), signal.SIGKILL)
