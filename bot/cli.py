"""The ``network-bot`` command line. With no arguments it opens the shell."""

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from bot.config import ConfigError, load_config

if TYPE_CHECKING:
    from bot.app import App


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="network-bot",
        description="Chat assistant of a coordination network. Without a command: the shell.",
    )
    parser.add_argument("--config", type=Path, help="app.yaml path (default: $NETWORK_BOT_CONFIG "
                        "or ./app.yaml)")
    parser.add_argument("--database-url", help="database URL (default: $DATABASE_URL or "
                        "sqlite:///network.db)")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("shell", help="talk to the bot in this terminal")
    db = commands.add_parser("db", help="database maintenance: upgrade, backup FILE, restore "
                             "FILE (see README, Backup)")
    db.add_argument("action", choices=["upgrade", "backup", "restore"],
                    help="upgrade: apply migrations; backup: copy the database to a new FILE "
                         "(on PostgreSQL: how to use pg_dump); restore: FILE into an empty "
                         "database, then upgrade it")
    db.add_argument("file", nargs="?", type=Path, help="backup, restore: the backup file")
    commands.add_parser("check", help="validate app.yaml and exit")
    roster = commands.add_parser("roster", help="the roster as the database holds it")
    roster.add_argument("action", choices=["export"], help="export: print it as app.yaml YAML")
    roster.add_argument("--out", type=Path, help="write to this file instead of stdout")
    report = commands.add_parser("report", help="write a year's report files (Markdown, CSV, "
                                 "PNG) to a folder")
    report.add_argument("--year", type=int, required=True, help="calendar year, e.g. 2031")
    report.add_argument("--out", type=Path, required=True, help="folder to write the files to")
    outbox = commands.add_parser(
        "outbox", help="notifications waiting or failed; 'outbox retry ID' sends one again")
    outbox.add_argument("--failed", action="store_true", help="only the failed rows")
    outbox.add_argument("action", nargs="?", choices=["retry"], help="retry: send row ID again")
    outbox.add_argument("id", nargs="?", type=int, help="the outbox row to retry")
    serve = commands.add_parser("serve", help="run the web server for Slack and Teams (see README)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                       "(default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=3000, help="port (default: 3000)")
    serve.add_argument("--teams-emulator", action="store_true",
                       help="Teams without credentials or authentication, for local testing "
                            "(loopback only)")
    manifest = commands.add_parser("manifest", help="print a chat app manifest built from "
                                   "app.yaml")
    manifest.add_argument("platform", choices=["slack", "teams"])
    manifest.add_argument("--url", help="the public https base URL of `serve`, e.g. "
                          "https://bot.example.org")
    manifest.add_argument("--socket-mode", action="store_true",
                          help="receive requests over Socket Mode (no public URL)")
    manifest.add_argument("--app-id", help="teams: the bot's Microsoft App ID (a GUID)")
    manifest.add_argument("--out", type=Path, help="teams: the app package to write, e.g. "
                          "network-bot-teams.zip")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "manifest" and args.platform == "teams":
        from bot.teams_manifest import valid_app_id

        if not args.out or not valid_app_id(args.app_id or ""):
            parser.error("manifest teams needs --app-id with the bot's Microsoft App ID (a GUID, "
                         "e.g. 00000000-0000-0000-0000-000000000000) and --out "
                         "network-bot-teams.zip")
    elif args.command == "manifest" and not args.socket_mode and \
            not (args.url or "").startswith("https://"):
        parser.error("manifest slack needs --url https://your-host (Slack only calls https "
                     "URLs) or --socket-mode")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit where it cannot be caught
        return code
    except BrokenPipeError:
        return _reader_went_away()
    except ConfigError as problem:
        print(problem, file=sys.stderr)
        return 2
    except DBAPIError as problem:
        from storage.db import first_line

        print(f"network-bot: cannot use the database: {first_line(problem)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _reader_went_away() -> int:
    """``network-bot outbox | head``: the reader has what it wanted, so stop quietly as Unix
    tools do (and point stdout at /dev/null, so that Python's final flush cannot complain)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def _dispatch(args: argparse.Namespace) -> int:
    from bot.app import freeze_start_up_objects, open_app

    if args.command == "check":
        config = load_config(args.config)
        print(f"{args.config or 'app.yaml'}: OK — {len(config.agencies)} agencies, "
              f"{len(config.people)} people, {len(config.working_groups)} working groups")
        return 0
    if args.command == "manifest" and args.platform == "teams":
        from bot.teams_manifest import teams_package

        args.out.write_bytes(teams_package(load_config(args.config), args.app_id))
        print(f"wrote {args.out}: upload it in Teams (Apps > Manage your apps > Upload an app)")
        return 0
    if args.command == "manifest":
        from bot.slack_manifest import manifest_yaml

        print(manifest_yaml(load_config(args.config), args.url, args.socket_mode), end="")
        return 0
    if args.command == "db":
        return _db(args)
    app = open_app(args.config, args.database_url)
    if args.command == "roster":
        from bot.roster_export import export_roster

        text = export_roster(app.engine, app.config)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"wrote {args.out}")
        else:
            print(text, end="")
        return 0
    if args.command == "report":
        return write_report(app, args.year, args.out)
    if args.command == "outbox":
        return _outbox(app, args)
    if args.command == "serve":
        from bot.server import serve

        return serve(app, args.host, args.port, teams_emulator=args.teams_emulator)
    from bot.shell import Shell

    shell = Shell(app, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    freeze_start_up_objects()
    return shell.run()


def _db(args: argparse.Namespace) -> int:
    """``db upgrade`` opens the app as every command does (app.yaml, migrations, the roster);
    ``db backup`` and ``db restore`` need only the database."""
    from bot import db_cli
    from bot.app import open_app
    from storage.backup import BackupRefused
    from storage.db import database_url, normalise_url

    if args.action == "upgrade":
        if args.file is not None:
            print("db upgrade takes no file. Example: network-bot db upgrade", file=sys.stderr)
            return 2
        open_app(args.config, args.database_url)
        print("database is up to date")
        return 0
    if args.file is None:
        print(f"Which file? Example: network-bot db {args.action} network-backup.db",
              file=sys.stderr)
        return 2
    run = db_cli.backup if args.action == "backup" else db_cli.restore
    try:
        return run(normalise_url(args.database_url or database_url()), args.file, sys.stdout)
    except BackupRefused as refusal:
        print(refusal, file=sys.stderr)
        return 2


def write_report(app: "App", year: int, out: Path) -> int:
    from handlers.core import Scope
    from handlers.reports.report_files import report_files
    from handlers.reports.reports import gather
    from storage.db import transaction

    with transaction(app.engine) as session:
        data = gather(Scope(session, app.config, app.runner.clock()), year)
    out.mkdir(parents=True, exist_ok=True)
    for attachment in report_files(data):
        (out / attachment.filename).write_bytes(attachment.content)
        print(out / attachment.filename)
    return 0


def _outbox(app: "App", args: argparse.Namespace) -> int:
    from bot.outbox_cli import retry_row, show_outbox

    if args.action == "retry":
        if args.id is None:
            print("Which row? Example: network-bot outbox retry 12", file=sys.stderr)
            return 2
        return retry_row(app, sys.stdout, sys.stderr, args.id)
    return show_outbox(app, sys.stdout, args.failed)


if __name__ == "__main__":
    sys.exit(main())
