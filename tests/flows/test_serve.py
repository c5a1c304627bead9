"""`make serve`: a local Prefect server comes up and registers the scheduled nightly deployment."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.prefect


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Ctrl-C the serve loop (it then stops its server); kill the group if it hangs."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_serve_registers_the_cron_deployment(tmp_path: Path) -> None:
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "REGWATCH_PREFECT_PORT": str(port),
        "REGWATCH_DB": str(tmp_path / "w.duckdb"),
    }
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "flows/serve.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    deployment = None
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and deployment is None:
            assert proc.poll() is None, "serve exited early"
            try:
                found = httpx.post(f"{api}/deployments/filter", json={}, timeout=5).json()
                deployment = next((d for d in found if d["name"] == "regwatch-nightly"), None)
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(2)
    finally:
        stop(proc)
    assert deployment is not None, "deployment regwatch-nightly was not registered"
    schedules = deployment["schedules"]
    assert len(schedules) == 1
    assert schedules[0]["schedule"]["cron"] == "30 6 * * *"
    assert schedules[0]["schedule"]["timezone"] == "America/New_York"
    assert schedules[0]["active"] is True
