"""A second Boomerang, served for real, for the import to read: the "InvenTree" of the
end-to-end tests (Boomerang answers InvenTree's API, so the importer's client calls are the
same).

``inventree_source`` (session-scoped: one per pytest-xdist worker and pass) makes a throwaway
database beside the test database (a SQLite file in a temporary folder on the SQLite pass; a
new PostgreSQL database on the server of DATABASE_URL on the PostgreSQL pass), migrates and
fills it in a subprocess (``tests.importer.source_data``), serves it with gunicorn on a free
loopback port, and removes everything afterwards, failure or not.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

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

START_SECONDS = 60
FILL_SECONDS = 180
LOG_TAIL = 6000


@dataclass
class Source:
    url: str
    token: str
    work: Path
    env: dict
    #: What the source holds now (``source_data.snapshot``), and the rows to be skipped.
    snapshot: dict
    skipped: list[dict]
    orders: dict[str, str]
    logs: list[Path] = field(default_factory=list)

    def run(self, *args: str) -> dict:
        """``python -m tests.importer.source_data --out … *args`` on the source's database."""
        out = self.work / f"source-data-{len(list(self.work.glob('source-data-*')))}.json"
        result = subprocess.run(
            [sys.executable, "-m", "tests.importer.source_data", "--out", str(out), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=FILL_SECONDS,
        )
        if result.returncode != 0:
            raise AssertionError(f"source_data {args} failed:\n{result.stderr[-LOG_TAIL:]}")
        data = json.loads(out.read_text())
        self.snapshot = data["snapshot"]
        return data

    def change(self) -> dict:
        """Edit the source between two runs; returns what was changed."""
        return self.run("--change")["changed"]

    def describe(self) -> str:
        parts = []
        for path in self.logs:
            text = path.read_text(errors="replace") if path.exists() else "(no log)"
            parts.append(f"----- {path.name}\n{text[-LOG_TAIL:]}")
        return "\n".join(parts)


def _test_database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@contextmanager
def _database(work: Path):
    """The source's database URL: beside the test database, and gone afterwards."""
    url = _test_database_url()
    if url is None:
        yield f"sqlite:///{work / 'source.sqlite3'}"
        return
    with throwaway_database(url, purpose="import_source") as (source_url, _name):
        yield source_url


@contextmanager
def running_source():
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="boomerang-import-source-"))
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        database = stack.enter_context(_database(work))
        port = free_port()
        logs = work / "server"
        logs.mkdir()
        server = {
            **server_env(database, port, 2, logs),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            # No broker: background work (e-mail, to the locmem backend) runs in the process.
            "CELERY_BROKER_URL": "",
        }
        env = {k: v for k, v in server.items() if not k.startswith("GUNICORN_")}
        source = Source(
            url=f"http://{LOOPBACK}:{port}",
            token="",
            work=work,
            env=env,
            snapshot={},
            skipped=[],
            orders={},
            logs=[Path(server["GUNICORN_ERROR_LOG"]), logs / "server.err"],
        )
        filled = source.run()
        source.token = filled["token"]
        source.skipped = filled["skipped"]
        source.orders = filled["orders"]
        process = start_gunicorn(server, stderr=logs / "server.err")
        stack.callback(stop, process)
        try:
            wait_for_port(port, process, START_SECONDS)
        except Exception as exc:
            message = f"the source server did not start: {exc}\n{source.describe()}"
            raise AssertionError(message) from exc
        yield source


# The running source of this process. Test modules import the fixture below, and pytest
# makes one session fixture of each import: they share this one source.
_started: dict[str, Source] = {}


@pytest.fixture(scope="session")
def inventree_source(request):
    """(url, token, what it holds): one running source per test process, stopped and its
    database removed when the session ends."""
    if "source" not in _started:
        stack = ExitStack()
        _started["source"] = stack.enter_context(running_source())

        def close():
            _started.pop("source", None)
            stack.close()

        request.session.config.add_cleanup(close)
    return _started["source"]
