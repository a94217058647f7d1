"""The ``inventree`` client's own test sources, fetched from its PyPI sdist at test time.

The sources are never copied into this repository: the pinned sdist is downloaded with pip
(``pip download --no-binary :all: --no-deps inventree==<version>``), its SHA-256 checked, and
unpacked into a cache directory (``BOOMERANG_TEST_CACHE``, default ``~/.cache/boomerang``).
Several test processes may fetch at once: each unpacks into its own directory and renames it
into place, and the first one there wins.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "0.25.0"
SDIST = f"inventree-{VERSION}.tar.gz"
SDIST_SHA256 = "eb0361104a2f624070095dea7e6958f8e1126a5633450460d98a571cbef814ca"


class FetchError(RuntimeError):
    """The sdist could not be downloaded or did not match the pinned hash."""


def cache_dir() -> Path:
    root = os.environ.get("BOOMERANG_TEST_CACHE") or Path.home() / ".cache" / "boomerang"
    return Path(root)


def _download(into: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-binary",
        ":all:",
        "--no-deps",
        "--disable-pip-version-check",
        "--dest",
        str(into),
        f"inventree=={VERSION}",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"pip download of inventree=={VERSION} failed: {exc}") from exc
    sdist = into / SDIST
    if result.returncode != 0 or not sdist.is_file():
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise FetchError(
            f"pip could not download the inventree=={VERSION} sdist from PyPI "
            f"(no network?): {' / '.join(tail)}"
        )
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise FetchError(f"{SDIST} has SHA-256 {digest}, expected {SDIST_SHA256}")
    return sdist


def test_sources() -> Path:
    """The unpacked ``test/`` directory of the pinned sdist, downloaded on first use."""
    target = cache_dir() / f"inventree-{VERSION}"
    if (target / "test" / "test_api.py").is_file():
        return target / "test"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as scratch:
        scratch = Path(scratch)
        sdist = _download(scratch)
        with tarfile.open(sdist) as archive:
            archive.extractall(scratch / "unpacked", filter="data")
        unpacked = scratch / "unpacked" / f"inventree-{VERSION}"
        try:
            unpacked.rename(target)
        except OSError:
            if not (target / "test" / "test_api.py").is_file():
                raise
    return target / "test"


def work_copy(sources: Path, into: Path) -> Path:
    """A writable copy of the tests, run from ``into``: the tests write files (images,
    downloads) into the working directory and its ``test/`` folder. The two files the tests
    upload are missing from the sdist (they live in the client's repository), so they are
    written here."""
    test_dir = into / "test"
    shutil.copytree(sources, test_dir, dirs_exist_ok=True)
    (test_dir / "attachment.txt").write_text("An attachment uploaded by the client's tests.\n")
    (test_dir / "docker-compose.yml").write_text("services: {}\n")
    return into
