"""`streamlit run app.py` (the st.App around Home.py) as a child process: one way to start,
wait for and stop it.

Used by the browser tests, the two-process test and the load benchmark (bench/load.py).
Each server runs in its own process group on a free loopback port, so stopping it also
stops whatever Streamlit started.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PortalProcess:
    base_url: str
    pid: int
    log: Path

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_healthy(base_url: str) -> bool:
    try:
        health = f"{base_url}/_stcore/health"  # always http://127.0.0.1:<port>
        with urllib.request.urlopen(health, timeout=1) as response:  # noqa: S310
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def portal_environment(*, database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Demo mode on the given database, fast password hashing for tests and benchmarks."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "HEK_MODE": "demo",
        "HEK_DATA_DIR": str(data_dir),
        "HEK_BCRYPT_ROUNDS": "4",
        **extra,
    }


def _start(env: Mapping[str, str], log: Path, port: int | None) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    command = [
        str(PROJECT_ROOT / ".venv" / "bin" / "streamlit"),
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]
    with log.open("w") as handle:
        server = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return server, f"http://127.0.0.1:{port}"


def _wait_until_healthy(server: subprocess.Popen, base_url: str, log: Path, deadline: float):
    while not is_healthy(base_url):
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"streamlit did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _stop(server: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


@contextlib.contextmanager
def portal_processes(
    environments: list[tuple[Mapping[str, str], Path]],
    *,
    startup_seconds: float,
    ports: list[int | None] | None = None,
) -> Iterator[list[PortalProcess]]:
    """Start one server per (environment, log file), wait until all answer, stop them all.
    Each listens on a free port unless `ports` names them (a restart on the same port)."""
    started: list[tuple[subprocess.Popen, str, Path]] = []
    ports = ports or [None] * len(environments)
    try:
        for (env, log), port in zip(environments, ports, strict=True):
            started.append((*_start(env, log, port), log))
        deadline = time.monotonic() + startup_seconds
        for server, base_url, log in started:
            _wait_until_healthy(server, base_url, log, deadline)
        yield [PortalProcess(base_url, server.pid, log) for server, base_url, log in started]
    finally:
        for server, _, _ in started:
            _stop(server)


@contextlib.contextmanager
def portal_process(
    env: Mapping[str, str], log: Path, *, startup_seconds: float, port: int | None = None
) -> Iterator[PortalProcess]:
    with portal_processes(
        [(env, log)], startup_seconds=startup_seconds, ports=[port] if port else None
    ) as (process,):
        yield process
