"""The ``network-bot`` command line. With no arguments it opens the shell."""

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.config import ConfigError, load_config


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
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="upgrade: apply migrations")
    check = commands.add_parser("check", help="validate app.yaml and exit")
    check.set_defaults(command="check")
    serve = commands.add_parser("serve", help="run the web server for Slack (see README)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                       "(default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=3000, help="port (default: 3000)")
    manifest = commands.add_parser("manifest", help="print a chat app manifest built from "
                                   "app.yaml")
    manifest.add_argument("platform", choices=["slack"])
    manifest.add_argument("--url", help="the public https base URL of `serve`, e.g. "
                          "https://bot.example.org")
    manifest.add_argument("--socket-mode", action="store_true",
                          help="receive requests over Socket Mode (no public URL)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "manifest" and not args.socket_mode and \
            not (args.url or "").startswith("https://"):
        parser.error("manifest slack needs --url https://your-host (Slack only calls https "
                     "URLs) or --socket-mode")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args)
    except ConfigError as problem:
        print(problem, file=sys.stderr)
        return 2
    except DBAPIError as problem:
        print(f"network-bot: cannot use the database: {problem.orig or problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from bot.app import open_app

    if args.command == "check":
        config = load_config(args.config)
        print(f"{args.config or 'app.yaml'}: OK — {len(config.agencies)} agencies, "
              f"{len(config.people)} people, {len(config.working_groups)} working groups")
        return 0
    if args.command == "manifest":
        from bot.slack_manifest import manifest_yaml

        print(manifest_yaml(load_config(args.config), args.url, args.socket_mode), end="")
        return 0
    app = open_app(args.config, args.database_url)
    if args.command == "db":
        print("database is up to date")
        return 0
    if args.command == "serve":
        from bot.server import serve

        return serve(app, args.host, args.port)
    from bot.shell import Shell

    return Shell(app, sys.stdin, sys.stdout, interactive=sys.stdin.isatty()).run()


if __name__ == "__main__":
    sys.exit(main())
