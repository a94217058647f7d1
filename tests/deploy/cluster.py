"""A small deployment on loopback, for the multi-process test: two gunicorn servers and one
Celery worker on a throwaway PostgreSQL database, one Redis database as broker and shared
cache, one media folder, and a webhook receiver in the test's process.

``Cluster`` is a context manager: whatever happens inside, leaving it stops every process it
started, empties its Redis database and drops its PostgreSQL database.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis

from bench.harness import (
    LOOPBACK,
    ROOT,
    free_port,
    server_env,
    start_gunicorn,
    stop,
    throwaway_database,
    wait_for_port,
)
from tests.webhooks.receiver import Receiver

REDIS = f"redis://{LOOPBACK}:6379"
# Redis databases this test may take, from the top: the other tests use 1 to 3 (the Celery
# worker tests, one per pytest-xdist process) and 9 (the shared cache test). A database is
# taken only if it is empty, and marked taken for the run, so that two runs never share one.
REDIS_DATABASES = range(15, 9, -1)
CLAIM_KEY = "boomerang-multi-process-test"
START_SECONDS = 60
LOG_TAIL = 6000


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@contextmanager
def redis_database():
    """The URL of an empty Redis database taken for this run, emptied again afterwards."""
    token = secrets.token_hex(8)
    for number in REDIS_DATABASES:
        client = redis.Redis.from_url(f"{REDIS}/{number}")
        if not client.set(CLAIM_KEY, token, nx=True, ex=600):
            continue  # another run's
        if client.dbsize() == 1:
            break
        client.delete(CLAIM_KEY)  # someone else's data: not ours to flush
    else:
        raise RuntimeError(f"No empty Redis database among {list(REDIS_DATABASES)}")
    client.flushdb()
    client.set(CLAIM_KEY, token, ex=600)
    try:
        yield f"{REDIS}/{number}"
    finally:
        client.flushdb()


class Cluster:
    def __init__(self, work: Path, *, database_url: str, env: dict):
        self.work = work
        self.database_url = database_url
        self.extra_env = env
        self.stack = ExitStack()
        self.processes: dict[str, subprocess.Popen] = {}
        self.stopped: set[str] = set()
        self.logs: dict[str, Path] = {}
        self.receiver: Receiver | None = None

    # -- set-up -----------------------------------------------------------------------------

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.stack.close()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stack.close()

    def _start(self) -> None:
        self.broker = self.stack.enter_context(redis_database())
        self.receiver = Receiver()
        self.stack.callback(self.receiver.close)
        database, self.database_name = self.stack.enter_context(
            throwaway_database(self.database_url, purpose="deploy")
        )
        self.media = self.work / "media"
        self.mail = self.work / "mail"
        self.mail.mkdir(parents=True)
        self.ports = [free_port(), free_port()]
        self.secret_key = secrets.token_urlsafe(50)
        self.server_envs = [self._env(database, port) for port in self.ports]
        # The seed, the worker and the report share the first server's environment.
        self.env = {k: v for k, v in self.server_envs[0].items() if not k.startswith("GUNICORN_")}

    def _env(self, database: str, port: int) -> dict:
        logs = self.work / f"server-{port}"
        logs.mkdir()
        return {
            **server_env(database, port, 2, logs, secret_key=self.secret_key),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "MEDIA_ROOT": str(self.media),
            "CELERY_BROKER_URL": self.broker,
            "CACHE_URL": self.broker,
            "WEBHOOK_ALLOWED_HOSTS": LOOPBACK,
            "WEBHOOK_TIMEOUT_SECONDS": "5",
            "EMAIL_BACKEND": "tests.deploy.mailbox.EmailBackend",
            "DEPLOY_TEST_MAIL_DIR": str(self.mail),
            **self.extra_env,
        }

    def django(self, command: str, params: dict, *, timeout: float) -> dict:
        """Run ``tests.deploy.cluster_data <command>`` on the cluster's database."""
        params_file = self.work / f"{command}-params.json"
        out_file = self.work / f"{command}-out.json"
        params_file.write_text(json.dumps(params))
        result = subprocess.run(
            [sys.executable, "-m", "tests.deploy.cluster_data", command, params_file, out_file],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AssertionError(f"cluster_data {command} failed:\n{result.stderr[-LOG_TAIL:]}")
        return json.loads(out_file.read_text())

    def start_servers(self) -> None:
        for port, env in zip(self.ports, self.server_envs, strict=True):
            name = f"gunicorn :{port}"
            stderr = self.work / f"server-{port}" / "server.err"
            self.logs[f"{name} error log"] = Path(env["GUNICORN_ERROR_LOG"])
            self.logs[f"{name} stderr"] = stderr
            self._started(name, start_gunicorn(env, stderr=stderr))
        for port in self.ports:
            wait_for_port(port, self.processes[f"gunicorn :{port}"], START_SECONDS)

    def start_worker(self) -> None:
        log = self.work / "worker.log"
        self.logs["celery worker"] = log
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--hostname",
            f"deploy-test-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        handle = log.open("w")
        self.stack.callback(handle.close)
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        self._started("celery worker", process)

    def _started(self, name: str, process: subprocess.Popen) -> None:
        self.processes[name] = process
        self.stack.callback(stop, process)

    # -- during and after ---------------------------------------------------------------------

    @property
    def urls(self) -> list[str]:
        return [f"http://{LOOPBACK}:{port}" for port in self.ports]

    def exited(self) -> list[str]:
        """The processes that have exited unasked, with their exit codes."""
        return [
            f"{name} exited with {process.returncode}"
            for name, process in self.processes.items()
            if name not in self.stopped and process.poll() is not None
        ]

    def stop_servers(self) -> None:
        for name, process in self.processes.items():
            if name.startswith("gunicorn"):
                self.stopped.add(name)
                stop(process)

    def access_logs(self) -> list[str]:
        return [env["GUNICORN_ACCESS_LOG"] for env in self.server_envs]

    def requests_served(self) -> list[int]:
        """How many requests each server has logged."""
        return [
            len(Path(log).read_text().splitlines()) if Path(log).exists() else 0
            for log in self.access_logs()
        ]

    def sent_message_ids(self) -> list[str]:
        """The Message-ID of every e-mail the file backend wrote, in the order written."""
        ids = []
        for path in sorted(self.mail.iterdir()):
            for line in path.read_text(errors="replace").splitlines():
                if line.lower().startswith("message-id:"):
                    ids.append(line.split(":", 1)[1].strip())
        return ids

    def output(self, pattern: str) -> str:
        """Every log line, of every process, that contains ``pattern``."""
        return "\n".join(
            line
            for path in self.logs.values()
            if path.exists()
            for line in path.read_text(errors="replace").splitlines()
            if pattern in line
        )

    def describe(self) -> str:
        """The tail of every process's log, for a failed run."""
        parts = [f"database {self.database_name}, broker {self.broker}", *self.exited()]
        for name, path in self.logs.items():
            text = path.read_text(errors="replace") if path.exists() else "(no log)"
            parts.append(f"----- {name} ({path})\n{text[-LOG_TAIL:]}")
        return "\n".join(parts)


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
