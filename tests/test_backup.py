"""``network-bot db backup FILE`` and ``network-bot db restore FILE``.

On SQLite a backup is taken by the real command while a real ``serve`` process takes a load of
concurrent signed commands, and restored into a new database: every change acknowledged before
the backup began is in it, whole, and nothing that was not committed. Restoring refuses a
database that is not empty and brings an older backup to the newest migration. On PostgreSQL
the bot checks the server and prints the pg_dump and pg_restore commands, which are run here
as printed, against a private cluster.
"""

import asyncio
import shlex
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from bot.cli import main
from settings.schema import AppConfig
from storage.db import alembic_config, applied_revisions, head_revision, make_engine
from tests.conftest import APP_YAML, REPO, BotHarness, Clock
from tests.fake_slack import FakeSlack
from tests.private_postgres import PrivatePostgres
from tests.serve_process import NETWORK_BOT, ServeLauncher
from tests.slack_load import CommandLoad, assert_acknowledged_items_complete, stored_items

ACKNOWLEDGED_BEFORE = 20  # changes acknowledged before the backup begins


def network_bot(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as an operator runs it."""
    return subprocess.run([str(NETWORK_BOT), *args], capture_output=True, text=True, cwd=REPO,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}, timeout=120)


def test_a_backup_taken_under_load_restores_every_acknowledged_change(
        tmp_path: Path, slack: FakeSlack, served: ServeLauncher, config: AppConfig,
        clock: Clock) -> None:
    live_url = f"sqlite:///{tmp_path / 'network.db'}"
    backup = tmp_path / "backup.db"
    bot = served.start("xoxb-backup", live_url)
    took: list[float] = []

    async def backup_under_load() -> tuple[CommandLoad, set[str], set[str]]:
        async with CommandLoad(bot.url, slack, "backup") as load:
            await load.until(lambda: load.count(added=True) >= ACKNOWLEDGED_BEFORE)
            before = {a.title for a in load.answers if a.item_id}
            started = time.monotonic()
            done = await asyncio.to_thread(network_bot, "--database-url", live_url, "db",
                                           "backup", str(backup))
            took.append(time.monotonic() - started)
            assert (done.returncode, done.stderr) == (0, ""), done
            sent_by_then = {a.title for a in load.answers}
            mark = len(load.answers)
            await load.until(lambda: load.count(mark, added=True) >= 5)  # serve went on
        return load, before, sent_by_then

    load, before, sent_by_then = asyncio.run(backup_under_load())
    load.follow_ups()
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file

    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    done = network_bot("--database-url", restored_url, "db", "restore", str(backup))
    assert done.returncode == 0, done
    assert done.stdout.startswith(f"restored {backup} into {tmp_path / 'restored.db'}")

    live, restored = make_engine(live_url), make_engine(restored_url)
    try:
        assert applied_revisions(restored) == [head_revision()]
        in_backup = stored_items(restored, load.answers)
        in_live = stored_items(live, load.answers)
        assert_acknowledged_items_complete([a for a in load.answers if a.title in before],
                                           in_backup)  # every change acknowledged before
        assert set(in_backup) <= sent_by_then  # nothing from after the backup
        assert {title: in_live[title] for title in in_backup} == in_backup  # as committed
        bot_on_backup = BotHarness(restored, config, clock)
        after = bot_on_backup.say("agenda add After the restore #3")
    finally:
        live.dispose()
        restored.dispose()
    assert after.ok and f"#{max(item.id for item in in_backup.values()) + 1}" in after.text
    print(f"backup under load: {len(load.answers)} requests, {len(before)} acknowledged "
          f"before the backup, {len(in_backup)} in it, {len(in_live)} in the live database "
          f"at the end; `db backup` took {took[0]:.2f} s")


def test_restore_refuses_a_database_in_use_and_upgrades_an_old_backup(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_url = f"sqlite:///{tmp_path / 'old.db'}"
    old = make_engine(old_url)
    command.upgrade(alembic_config(old), "0002")  # a backup made before migration 0003
    old.dispose()
    backup, in_use = tmp_path / "old-backup.db", f"sqlite:///{tmp_path / 'in-use.db'}"
    assert main(["--database-url", old_url, "db", "backup", str(backup)]) == 0
    assert main(["--database-url", old_url, "db", "backup", str(backup)]) == 2  # never replaced
    assert main(["--database-url", in_use, "db", "upgrade"]) == 0
    capsys.readouterr()

    assert main(["--database-url", in_use, "db", "restore", str(backup)]) == 2
    assert capsys.readouterr().err == (f"{tmp_path / 'in-use.db'} is not empty (27 tables): "
                                       "restore only into a new or empty database\n")
    new_url = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["--database-url", new_url, "db", "restore", str(backup)]) == 0
    new = make_engine(new_url)
    try:
        assert applied_revisions(new) == [head_revision()] != ["0002"]
    finally:
        new.dispose()
    assert main(["--database-url", new_url, "db", "restore"]) == 2
    assert main(["--database-url", f"sqlite:///{tmp_path / 'other.db'}", "db", "restore",
                 str(REPO / "app.yaml")]) == 2
    assert main(["db", "upgrade", str(backup)]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "Which file? Example: network-bot db restore network-backup.db",
        f"{REPO / 'app.yaml'}: not a SQLite database (file is not a database)",
        "db upgrade takes no file. Example: network-bot db upgrade"]


def printed_commands(output: str) -> list[list[str]]:
    """The indented command lines of the bot's advice, continuation lines joined."""
    lines = output.replace("\\\n", " ").splitlines()
    return [shlex.split(line) for line in lines if line.startswith("  ")]


def test_postgresql_is_backed_up_and_restored_as_the_bot_says(
        private_postgres: PrivatePostgres, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("PostgreSQL's pg_dump and pg_restore are not installed")
    monkeypatch.setenv("NETWORK_BOT_CONFIG", str(APP_YAML))
    source = private_postgres.url
    assert main(["--database-url", source, "db", "upgrade"]) == 0  # and the roster synced
    engine = make_engine(source)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("CREATE DATABASE restored"))
    finally:
        engine.dispose()
    archive = tmp_path / "network.dump"
    capsys.readouterr()

    assert main(["--database-url", source, "db", "backup", str(archive)]) == 0
    advice = capsys.readouterr().out
    [pg_dump] = printed_commands(advice)
    assert pg_dump[0] == "pg_dump" and "+psycopg" not in advice
    subprocess.run(pg_dump, check=True, timeout=60)

    target = source.removesuffix("/postgres") + "/restored"
    assert main(["--database-url", source, "db", "restore", str(archive)]) == 2  # not empty
    assert main(["--database-url", target, "db", "restore", str(archive)]) == 0
    pg_restore, upgrade = printed_commands(capsys.readouterr().out)
    subprocess.run(pg_restore, check=True, timeout=60)
    assert upgrade[0] == "network-bot" and main(upgrade[1:]) == 0

    restored = make_engine(target)
    try:
        with restored.connect() as connection:
            agencies = connection.execute(text("SELECT code FROM agency ORDER BY id")).scalars()
            assert list(agencies)[:2] == ["RCO", "IOM"]
        assert applied_revisions(restored) == [head_revision()]
    finally:
        restored.dispose()
    capsys.readouterr()
    assert main(["--database-url", "postgresql://postgres@127.0.0.1:1/x", "db", "backup",
                 str(tmp_path / "nothing.dump")]) == 1
    down = capsys.readouterr().err
    assert down.startswith("network-bot: cannot use the database: connection failed")
    assert down.count("\n") == 1  # one line
