"""A private PostgreSQL cluster a test may stop and start at will.

Fault tests need to pull the database out from under a running bot, which they must never do
to the machine's shared server. ``PrivatePostgres`` runs ``initdb`` into a fresh directory under
/tmp and starts its own ``postgres`` on a free loopback port, with its Unix socket in that
directory too. Both programs refuse to run as root, so when the tests run as root they run as
the ``postgres`` OS user (``runuser``), which then owns the directory.

The ``private_postgres`` fixture yields a started cluster and always stops it (``immediate``)
and removes its directory. Without PostgreSQL's server programs the fixture skips, except
under CI=true, where that is an error (the convention of tests/conftest.py).
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

OS_USER = "postgres"


def server_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, from pg_config or the Debian layout."""
    candidates: list[str] = []
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() \
                and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


class PrivatePostgres:
    """One throwaway cluster: ``start``, ``stop(mode)``, ``url``; ``destroy`` at the end."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="network-bot-pg-"))
        self.data = self.home / "data"
        self.log = self.home / "server.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam(OS_USER)
            os.chown(self.home, account.pw_uid, account.pw_gid)
            self._as_user = ["runuser", "-u", OS_USER, "--"]
        try:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                      "--no-sync", "-E", "UTF8")
        except BaseException:
            shutil.rmtree(self.home, ignore_errors=True)
            raise

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """``immediate`` ends every server process at once, like a crash (the next start
        recovers from the WAL); ``fast`` ends sessions and shuts down cleanly."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        status = subprocess.run([*self._as_user, str(self.bindir / "pg_ctl"), "-D",
                                 str(self.data), "status"], capture_output=True)
        return status.returncode == 0

    def destroy(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as_user, str(self.bindir / program), *args],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            server_log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{done.stdout}\n"
                               f"{done.stderr}\n{server_log}")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = server_bindir()
    if bindir is None:
        message = "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {message}: the database fault tests must run")
        pytest.skip(message)
    cluster = PrivatePostgres(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()
