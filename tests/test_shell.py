"""The shell as a new user meets it: the real program, piped, on SQLite with app.yaml."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.app import App
from bot.shell import Shell
from handlers import registry
from handlers.core import Choice, Context, Form, FormField, Reply
from handlers.runner import Runner
from settings.schema import AppConfig
from tests.conftest import REPO, BotHarness, Clock, register_form, typed
from tests.meeting_rows import held_meeting


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
    assert "You are now ILO Focal Point, focal point of ILO (International Labour " \
        "Organization)." in first.stdout
    second = _run_program(':as "UNICEF Focal Point"\nwhoami\nagenda\n:as Somebody\nagenda\n',
                          tmp_path)
    assert "You are UNICEF Focal Point." in second.stdout
    assert "#1 Skills recognition — ILO (proposed)" in second.stdout
    assert "You are now 'Somebody', who is not on the roster (try :as IOM" in second.stdout
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
        return Reply(text="Sure?", choices=[
            Choice(answer.capitalize(), "confirm-answer", values={"answer": answer})
            for answer in ("yes", "no")])

    spec = registry.CommandSpec("confirm", "test", "confirm", "confirm", confirm)
    monkeypatch.setitem(registry.REGISTRY, "confirm", spec)
    register_form(monkeypatch, "confirm-reason", "answer", "confirm")
    register_form(monkeypatch, "confirm-answer", "answer", "confirm")
    return App(config=config, engine=engine, runner=Runner(engine, config, Clock()))


def test_choices_are_numbered_and_answered_by_number(shell_app: App) -> None:
    out = io.StringIO()
    Shell(shell_app, io.StringIO("confirm\n3\n2\n"), out, interactive=False).run()
    text = out.getvalue()
    assert "  [1] Yes\n  [2] No\n" in text
    assert "Choose a number from 1 to 2." in text
    assert "(confirm no)\nconfirmed: no" in text


@pytest.mark.parametrize("leave", [":quit", "exit", "quit"])
def test_quit_and_exit_leave_the_shell_and_nothing_after_them_runs(
        shell_app: App, leave: str) -> None:
    out = io.StringIO()
    Shell(shell_app, io.StringIO(f"whoami\n{leave}\nconfirm\n"), out, interactive=False).run()
    assert "You are" in out.getvalue() and "[1] Yes" not in out.getvalue()
    assert "I don't know" not in out.getvalue()


def test_forms_are_asked_field_by_field(shell_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    typed(monkeypatch, ["confirm ask", "first line", "second line", "END"])
    Shell(shell_app, io.StringIO(), out, interactive=True).run()
    assert "confirmed: first line\nsecond line" in out.getvalue()


def test_end_of_input_cancels_a_form_half_answered(shell_app: App,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    typed(monkeypatch, ["confirm ask", "first line", "second line"])
    Shell(shell_app, io.StringIO(), out, interactive=True).run()
    assert "Cancelled; nothing was sent." in out.getvalue()
    assert "confirmed" not in out.getvalue()


def test_a_piped_session_opens_no_form(shell_app: App) -> None:
    out = io.StringIO()
    Shell(shell_app, io.StringIO("confirm ask\nconfirm next\n"), out, interactive=False).run()
    assert out.getvalue() == (
        "> confirm ask\nWhy?\n(A piped session opens no form, so nothing was sent: type the "
        "command on one line.)\n> confirm next\nconfirmed: next\n")


def test_a_piped_objection_without_reason_records_nothing(tmp_path: Path) -> None:
    """The real program fed by a pipe: the lines after ``vote #1 object`` stay commands and
    end of input records no objection (the reason form is not opened)."""
    lines = ["poll propose Adopt the 2031 workplan", ":as ILO", "vote #1 object", "agenda",
             "poll show #1"]
    result = _run_program("\n".join(lines) + "\n", tmp_path)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert ("> vote #1 object\nAn objection blocks consensus on poll #1, so please give your "
            "agency's reason.\nOr type: vote #1 object <reason>\n(A piped session opens no "
            "form") in out
    assert "> agenda\n== Agenda ==" in out
    assert out.rstrip().count("*Object* (0): none") == 2
    assert "ILO objects" not in out


def test_the_minutes_form_checks_each_answer(engine: Engine, config: AppConfig,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 18: a meeting answer that is not a choice is asked again before the body, and a
    body refused on submit is asked again with the meeting kept (BotHarness-made meetings)."""
    bot = BotHarness(engine, config, Clock())
    held_meeting(bot, days_ago=40, title="Ad-hoc meeting on floods", kind="adhoc")
    newer = held_meeting(bot, days_ago=2)
    out = io.StringIO()
    typed(monkeypatch, ["minutes", "#9", "2", "#action FAO write it", "END",
                         "#agreed Joint appeal", "END"])
    Shell(App(config=config, engine=engine, runner=bot.runner), io.StringIO(), out,
          interactive=True).run()
    text = out.getvalue()
    assert "'#9' is not one of the choices: answer with a number from 1 to 2, or . to cancel." \
        in text
    assert "#action: unknown agency FAO." in text
    assert "Minutes of meeting #1 posted (version 1)" in text
    assert f"meeting #{newer} posted" not in text


def test_a_piped_minutes_command_opens_no_form(engine: Engine, config: AppConfig) -> None:
    """Issue 18: the lines after a piped ``minutes #1`` are commands; end of input posts
    nothing (the meeting made with BotHarness)."""
    bot = BotHarness(engine, config, Clock())
    held_meeting(bot)
    out = io.StringIO()
    Shell(App(config=config, engine=engine, runner=bot.runner),
          io.StringIO("minutes #1\n#agreed Joint appeal\n"), out, interactive=False).run()
    assert "Or type: minutes #1 #attendees RCO IOM ILO" in out.getvalue()
    assert "> #agreed Joint appeal\nI don't know '#agreed'" in out.getvalue()
    assert "no minutes yet" in bot.say("minutes #1", as_="WHO").text


def test_who_names_the_person_and_their_agency(tmp_path: Path) -> None:
    """The names are app.yaml's (the default speaker is the Secretariat's focal point)."""
    out = _run_program(":who\n", tmp_path).stdout
    assert "> :who\nYou are IOM Focal Point, focal point of IOM (International Organization " \
        "for Migration).\n" in out
