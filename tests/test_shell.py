"""The shell as a new user meets it: the real program, piped, on SQLite with app.yaml."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.app import App
from bot.config import AppConfig
from bot.shell import Shell
from handlers import registry
from handlers.core import Choice, Context, Form, FormField, Reply
from handlers.runner import Runner
from tests.conftest import REPO, Clock, register_form


def _run_program(stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli"], input=stdin, capture_output=True, text=True,
        cwd=tmp_path, timeout=120,
        env={"NETWORK_BOT_CONFIG": str(REPO / "app.yaml"), "PYTHONPATH": str(REPO),
             "PATH": ""},
    )


def test_a_piped_session_reads_as_a_transcript(tmp_path: Path) -> None:
    lines = ["whoami", "members", "wg", "agenda add Update on the labour migration assessment",
             "agenda"]
    result = _run_program("\n".join(lines) + "\n", tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    positions = [out.index(f"> {line}\n") for line in lines]
    assert positions == sorted(positions)
    assert "You are IOM Focal Point." in out
    assert "Roles: Secretariat, member" in out
    assert "10 member agencies" in out
    assert "(labour-migration)" in out
    assert "Added agenda item #1 to the backlog" in out
    assert "1. #1 Update on the labour migration assessment — IOM (proposed)" in out
    assert (tmp_path / "network.db").exists()
    assert result.stderr == ""


def test_as_switches_who_is_speaking_and_the_data_persists(tmp_path: Path) -> None:
    first = _run_program(":as ILO\nagenda add Skills recognition\n", tmp_path)
    assert "You are now ILO Focal Point." in first.stdout
    second = _run_program(':as "UNICEF Focal Point"\nwhoami\nagenda\n:as Somebody\nagenda\n',
                          tmp_path)
    assert "You are UNICEF Focal Point." in second.stdout
    assert "#1 Skills recognition — ILO (proposed)" in second.stdout
    assert "'Somebody', who is not on the roster" in second.stdout
    assert second.stdout.rstrip().endswith("focal point of your agency.")
    assert second.returncode == 0


@pytest.fixture
def shell_app(engine: Engine, config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> App:
    def confirm(ctx: Context, args: str) -> Reply:
        if args == "ask":
            return Reply(text="Why?", form=Form("Reason", "confirm-reason",
                                                [FormField("answer", "Reason", multiline=True)]))
        if args:
            return Reply(text=f"confirmed: {args}")
        return Reply(text="Sure?", choices=[Choice("Yes", "confirm yes"),
                                            Choice("No", "confirm no")])

    spec = registry.CommandSpec("confirm", "test", "confirm", "confirm", confirm)
    monkeypatch.setitem(registry.REGISTRY, "confirm", spec)
    register_form(monkeypatch, "confirm-reason", "answer", "confirm")
    return App(config=config, engine=engine, runner=Runner(engine, config, Clock()))


def test_choices_are_numbered_and_answered_by_number(shell_app: App) -> None:
    out = io.StringIO()
    Shell(shell_app, io.StringIO("confirm\n3\n2\n"), out, interactive=False).run()
    text = out.getvalue()
    assert "  [1] Yes\n  [2] No\n" in text
    assert "Choose a number from 1 to 2." in text
    assert "(confirm no)\nconfirmed: no" in text


def test_forms_are_asked_field_by_field(shell_app: App) -> None:
    out = io.StringIO()
    Shell(shell_app, io.StringIO("confirm ask\nfirst line\nsecond line\nEND\n"), out,
          interactive=False).run()
    assert "confirmed: first line\nsecond line" in out.getvalue()
