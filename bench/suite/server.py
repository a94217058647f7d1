"""Gunicorn, as production runs it (``config/gunicorn.py``), on a free loopback port."""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
SETTINGS = "bench.suite.settings"
IDLE_CHECK = 0.5  # seconds without CPU use that make a booted worker


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def django_env(database_url: str, work: Path, *, secret_key: str, base_url: str) -> dict:
    """The environment both the seed and the server run with (one secret key: the seeded
    session must be valid on the server). Connection reuse is left at the product's default."""
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}},
        "DEBUG": "false",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "ALLOWED_HOSTS": LOOPBACK,
        "BOOMERANG_BASE_URL": base_url,
        "STATIC_STORAGE": "plain",
        "MEDIA_ROOT": str(work / "media"),
        # Notifications on commit go nowhere: nothing leaves the machine.
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "BENCH_RESULTS_DIR": str(work / "results"),
        "PYTHONPATH": str(ROOT),
    }


def _cpu_ticks(pids: list[int]) -> list[int]:
    """User plus system CPU time of each process, in clock ticks (``/proc/<pid>/stat``)."""
    ticks = []
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            ticks.append(-1)
            continue
        ticks.append(int(fields[11]) + int(fields[12]))
    return ticks


def new_secret_key() -> str:
    return secrets.token_urlsafe(50)


class Server:
    """``start()`` / ``stop()`` / ``restart()`` gunicorn with ``workers`` sync workers."""

    def __init__(self, *, env: dict, port: int, workers: int, work: Path):
        self.env = env
        self.port = port
        self.workers = workers
        self.work = work
        self.process: subprocess.Popen | None = None
        (work / "results").mkdir(parents=True, exist_ok=True)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 60) -> None:
        env = {
            **self.env,
            "GUNICORN_BIND": f"{LOOPBACK}:{self.port}",
            "GUNICORN_WORKERS": str(self.workers),
            "GUNICORN_ACCESS_LOG": str(self.work / "access.log"),
            "GUNICORN_ERROR_LOG": str(self.work / "error.log"),
            "GUNICORN_LOG_LEVEL": "warning",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        # What the application itself logs (tracebacks of a 500 among them).
        log = (self.work / "server.log").open("a")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", str(ROOT / "config" / "gunicorn.py"), "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_until_ready(timeout)

    def _wait_until_ready(self, timeout: float) -> None:
        """Listening, with every worker forked and done importing the application: a worker
        that has used no CPU for a moment is waiting for its first request."""
        deadline = time.monotonic() + timeout
        listening = False
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.work / "error.log").read_text()[-2000:]
                raise SystemExit(f"gunicorn exited with {self.process.returncode}:\n{log}")
            pids = self.worker_pids()
            # Probed once only: a probe wakes a worker, which would then not look idle.
            listening = listening or self._listening()
            if len(pids) >= self.workers and listening:
                before = _cpu_ticks(pids)
                time.sleep(IDLE_CHECK)
                if _cpu_ticks(pids) == before:
                    return
            else:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start in time")

    def _listening(self) -> bool:
        try:
            with socket.create_connection((LOOPBACK, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()
