"""`make serve`: a local Prefect server on 127.0.0.1 plus the scheduled `nightly` deployment.

The server runs as a child process; the deployment is served in this process (`flow.serve`), which
is what fires the cron schedule. Ctrl-C stops the serve loop first, then the server, in that order.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

HOST = os.environ.get("REGWATCH_PREFECT_HOST", "127.0.0.1")
PORT = int(os.environ.get("REGWATCH_PREFECT_PORT", "4200"))
CRON = os.environ.get("REGWATCH_CRON", "30 6 * * *")
TIMEZONE = os.environ.get("REGWATCH_CRON_TIMEZONE", "America/New_York")


def start_server() -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(PORT)],
        start_new_session=True,
    )
    api = f"http://{HOST}:{PORT}/api"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"prefect server exited with code {server.returncode}")
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                os.environ["PREFECT_API_URL"] = api
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1)
    server.terminate()
    raise SystemExit("prefect server did not become healthy within 120 s")


def main() -> None:
    server = start_server()
    print(
        f"Prefect UI: http://{HOST}:{PORT}  (deployment nightly/regwatch-nightly, cron "
        f"'{CRON}' {TIMEZONE})",
        flush=True,
    )
    try:
        from prefect.schedules import Cron

        from flows.nightly import nightly

        nightly.serve(
            name="regwatch-nightly",
            schedules=[Cron(CRON, timezone=TIMEZONE)],
            parameters={"email_dry_run": os.environ.get("REGWATCH_EMAIL_DRY_RUN") == "1"},
            tags=["regwatch"],
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
