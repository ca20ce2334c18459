"""The product as an operator installs it, not the checkout: tested against a real wheel
install in a fresh venv, with pip.

pip builds a wheel from the repository's files (which must hold every file git tracks in the
packages), installs it with its dependencies, resolved from the package index, into a fresh
``python -m venv``, and the venv's own ``network-bot`` runs from a directory outside the
repository: a piped shell session whose commands reach every template (reminders, the agenda
deadline and the minutes nudge through a copy of app.yaml with meeting settings of seconds and
pauses in the input), and ``serve`` as a real process. Only the twice-yearly plan nudge, due on
1 May and 1 November, is rendered directly, with every installed template loaded.

The module builds and installs once. Most of its time is the wait for the session's meeting to
start (0 to 60 s): minutes are taken only once a meeting was held, and meetings start on a
whole minute.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from PIL import Image

from tests.conftest import APP_YAML, REPO, free_port
from tests.serve_process import Served, wait_for

PACKAGES = ("bot", "handlers", "scheduler", "settings", "storage", "templates")
# The session's meeting settings: a reminder 6 s before the meeting, its agenda closing 4 s
# before, its minutes due 1 s after it starts.
REMINDER, DEADLINE, MINUTES_DUE = 6, 4, 1
TITLE = "Mid-year review"
QUESTION = "Endorse the joint statement on safe migration"
# Refused, so nothing is stored: it makes the shell read its first date, which in a fresh
# install (modules not yet byte-compiled) takes a second or more, before the
# meeting's minute is chosen.
PAST = 'meeting schedule regular 01/01/2020 10:00 "Too late"'


# Run by the fresh venv's python from a directory outside the repository.
WHERE_FROM = """
import json, sysconfig, bot, handlers, scheduler, settings, storage, templates
modules = {m.__name__: m.__file__
           for m in (bot, handlers, scheduler, settings, storage, templates)}
print(json.dumps({"site": sysconfig.get_paths()["purelib"], "modules": modules}))
"""
LOAD_TEMPLATES = """
import json
from pathlib import Path
import templates
from bot.render_text import render_text
from handlers.core import Reply
names = sorted(p.name for p in Path(templates.__file__).parent.iterdir()
               if p.is_file() and p.suffix != ".py")
for name in names:
    templates._environment.get_template(name)
nudge = templates.render("plan_nudge.j2", half="January to June 2032", network="UNNM",
                         per_year=2, ends="Thu 1 Jul 2032", example_when="22 May 2032 10:00",
                         example_title="Regular meeting, January to June 2032")
print(json.dumps({"names": names, "nudge": render_text(Reply(text=nudge))}))
"""


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that could point a process at the repository's code,
    database or platforms."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "DATABASE_URL")
           and not key.startswith(("NETWORK_BOT_", "SLACK_", "MICROSOFT_"))}
    return env | extra


def run(*command: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def git_files(*args: str) -> list[str]:
    return run("git", "ls-files", *args, cwd=REPO).splitlines()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from the repository's files.

    They are copied first: pip builds in the source tree, where it would leave build/ and
    *.egg-info behind, and setuptools would reuse a stale build/lib that can hide a file the
    configuration no longer packages.
    """
    source = tmp_path_factory.mktemp("source")
    for name in git_files("--cached", "--others", "--exclude-standard"):
        if (REPO / name).is_file():  # not deleted in the work tree
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, source,
        cwd=out)
    [built] = out.glob("network_bot-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel and its dependencies, installed from the runtime lock
    as `make run` installs them.

    The test's own pip installs into it (``--python``): the pip that ``venv`` bundles takes
    about 17 s longer here. ``--no-compile`` skips byte-compiling every dependency; the modules
    a run imports are compiled as it imports them.
    """
    root = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", root, cwd=root)
    pip = (sys.executable, "-m", "pip", "--python", root / "bin" / "python")
    run(*pip, "install", "--quiet", "--no-compile", "--require-hashes", "-r",
        REPO / "requirements" / "lock-run.txt", cwd=root)
    run(*pip, "install", "--quiet", "--no-compile", "--no-deps", wheel, cwd=root)
    run(*pip, "check", cwd=root)  # the lock satisfies the wheel's own requirements
    return root


def test_the_wheel_holds_every_file_of_the_packages(wheel: Path) -> None:
    tracked = git_files("--", *PACKAGES)
    assert {"templates/poll.txt", "storage/migrations/script.py.mako"} <= set(tracked)
    with zipfile.ZipFile(wheel) as archive:
        missing = set(tracked) - set(archive.namelist())
    assert not missing, f"not packaged: {sorted(missing)}"


def test_the_packages_are_imported_from_the_fresh_venv(venv: Path, tmp_path: Path) -> None:
    shown = json.loads(run(venv / "bin" / "python", "-c", WHERE_FROM, cwd=tmp_path))
    site = Path(shown["site"])
    assert site.is_relative_to(venv)
    for name, file in shown["modules"].items():
        assert Path(file) == site / name / "__init__.py"
    assert (venv / "bin" / "network-bot").is_file()


def test_every_installed_template_loads(venv: Path, tmp_path: Path) -> None:
    """Each template file the installed package holds compiles; the plan nudge, which only
    the check on 1 May and 1 November sends, is rendered here (as the shell shows it)."""
    shown = json.loads(run(venv / "bin" / "python", "-c", LOAD_TEMPLATES, cwd=tmp_path))
    tracked = {Path(name).name for name in git_files("--", "templates")
               if not name.endswith(".py")}
    assert tracked <= set(shown["names"])
    assert shown["nudge"].startswith("*No regular meeting is scheduled for January to June 2032*")
    assert "UNNM meets 2 times a year, and January to June 2032 ends Thu 1 Jul 2032." in (
        shown["nudge"])
    assert 'meeting schedule regular 22 May 2032 10:00 "Regular meeting, January to June 2032"' \
        in shown["nudge"]


class FedShell:
    """``network-bot`` fed from a pipe a few lines at a time, its output read as it comes."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, env=clean_env(), text=True, bufsize=1, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def __enter__(self) -> "FedShell":
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def send(self, *lines: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("".join(f"{line}\n" for line in lines))
        self.process.stdin.flush()

    def wait_for(self, text: str) -> None:
        wait_for(lambda: text in "".join(self.lines), timeout=60)

    def finish(self) -> str:
        """Close the input; the whole transcript once the shell has exited."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0
        self.reader.join(timeout=10)
        return "".join(self.lines)


@dataclass(frozen=True)
class Session:
    transcript: str
    files: Path  # where the shell saved the files it was given
    zone: ZoneInfo
    meeting: datetime  # when meeting #1 starts
    schedule: str  # the command that scheduled it
    propose: str  # the command that opened poll #1
    minutes: str  # the command that posted its minutes

    def show(self, moment: datetime) -> str:
        """A time as the bot writes it: ``Wed 3 Dec 2031, 10:31 (Asia/Vientiane)``."""
        local = moment.astimezone(self.zone)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({self.zone.key})"

    @property
    def when(self) -> str:
        """The meeting as the bot shows it, with its end (app.yaml's two hours):
        ``Wed 3 Dec 2031, 10:31–12:31 (Asia/Vientiane)``, both dates if it ends the next day."""
        ends = self.meeting + timedelta(hours=2)
        start = self.show(self.meeting).removesuffix(f" ({self.zone.key})")
        if self.meeting.astimezone(self.zone).date() == ends.astimezone(self.zone).date():
            return f"{start}–{ends.astimezone(self.zone):%H:%M} ({self.zone.key})"
        return f"{start} – {self.show(ends)}"

    @property
    def year(self) -> int:
        return self.meeting.astimezone(self.zone).year

    def reply(self, command: str) -> str:
        """What the shell printed after ``command`` (its last occurrence), notifications
        included, up to the next command."""
        blocks = self.transcript.split("\n> ")
        answers = [block.partition("\n")[2] for block in blocks
                   if block.partition("\n")[0].removeprefix("> ") == command]
        assert answers, f"no command {command!r} in the session"
        return answers[-1]


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))


def short_meetings(work: Path) -> Path:
    """A copy of app.yaml whose meetings remind, close their agenda and want their minutes
    within seconds."""
    settings = yaml.safe_load(APP_YAML.read_text(encoding="utf-8"))
    settings["meetings"].update(reminders=[f"{REMINDER}s"], agenda_deadline=f"{DEADLINE}s",
                                minutes_due=f"{MINUTES_DUE}s")
    config = work / "app.yaml"
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def session(venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Session:
    """One shell session from the fresh venv, started in an empty directory.

    Meeting #1 starts on the first whole minute at least 16 s after the shell has read a date
    (so its first items are in before the agenda closes, 4 s before the meeting). Input
    pauses twice: 3 s before the meeting (its reminder and agenda deadline are due) and just
    after its minutes fall due (so are the poll's reminder, set a day before its deadline).
    """
    work = tmp_path_factory.mktemp("session")
    config = short_meetings(work)
    zone = ZoneInfo(yaml.safe_load(config.read_text(encoding="utf-8"))["network"]["timezone"])
    with FedShell([str(venv / "bin" / "network-bot"), "--config", str(config),
                   "--database-url", f"sqlite:///{work / 'network.db'}"], cwd=work) as shell:
        shell.send("whoami", PAST)
        shell.wait_for("is in the past")
        soon = datetime.now(UTC) + timedelta(seconds=DEADLINE + 12)
        meeting = soon.replace(second=0, microsecond=0) + timedelta(minutes=1)
        local, closes = (t.astimezone(zone) for t in (meeting, meeting + timedelta(days=1)))
        schedule = f'meeting schedule regular {local:%d/%m/%Y %H:%M} "{TITLE}" where IOM office'
        propose = f'poll propose "{QUESTION}" until {closes:%d/%m/%Y %H:%M}'
        minutes = ("minutes #1 #attendees RCO IOM ILO #topic Labour migration assessment "
                   "#agreed Endorse the terms of reference #action ILO circulate the draft "
                   f"due 30 Jun {local.year + 1}")
        shell.send(
            schedule, "agenda add Labour migration assessment #6 #7",
            ":as ILO", "agenda add Skills recognition #18", ":as IOM", "agenda",
            "agenda publish #1", propose, "vote #1 agree", ":as ILO", "vote #1 agree",
            ":as RCO", "vote #1 agree", ":as UNICEF", "vote #1 abstain", ":as WHO",
            "vote #1 object Needs health wording", "vote #1 agree", ":as IOM",
            "poll show #1", "meeting ics #1")
        shell.wait_for("Calendar file for meeting #1")
        sleep_until(meeting - timedelta(seconds=3))
        shell.send("meeting list")
        sleep_until(meeting + timedelta(seconds=MINUTES_DUE + 0.5))
        shell.send("meeting show #1", "poll close #1", "poll history #1", minutes, "minutes #1",
                   "report")
        transcript = shell.finish()
    return Session(transcript, work / "network-bot-files", zone, meeting, schedule, propose,
                   minutes)


def test_the_session_runs_without_errors(session: Session) -> None:
    assert "Something went wrong" not in session.transcript
    assert "Traceback" not in session.transcript
    assert session.reply("report")  # it ran to the end


def test_meeting_and_agenda(session: Session) -> None:
    assert ("Wed 1 Jan 2020, 10:00 (Asia/Vientiane) is in the past; please give a future date."
            in session.reply(PAST))
    scheduled = session.reply(session.schedule)
    assert f'Scheduled meeting #1 "{TITLE}" ({session.when}).' in scheduled
    assert (f"-- to the network channels --\n*New regular meeting: {TITLE}*\n"
            f"When: {session.when}\nWhere: IOM office\n") in scheduled
    assert "Added agenda item #1 (obj 6, obj 7) to meeting #1" in session.reply(
        "agenda add Labour migration assessment #6 #7")
    assert "Added agenda item #2 (obj 18) to meeting #1" in session.reply(
        "agenda add Skills recognition #18")
    agenda = session.reply("agenda")
    assert "1. #1 Labour migration assessment — IOM (proposed) · obj 6, obj 7" in agenda
    assert "2. #2 Skills recognition — ILO (proposed) · obj 18" in agenda
    compiled = (f"*Agenda: {TITLE}* (meeting #1)\nWhen: {session.when}\nWhere: IOM office\n\n"
                "1. Labour migration assessment — IOM (GCM obj 6, obj 7)\n"
                "2. Skills recognition — ILO (GCM obj 18)")
    assert f"-- to the network channels --\n{compiled}" in session.reply("agenda publish #1")


def test_reminder_and_agenda_deadline_before_the_meeting(session: Session) -> None:
    due = session.reply("meeting list")
    assert (f"-- to the network channels --\n*Reminder: {TITLE}* (meeting #1) starts in "
            f"{REMINDER} seconds.\nWhen: {session.when}\nWhere: IOM office\n"
            "See the agenda with: agenda list #1") in due
    assert "-- to the network channels --\n*Agenda: Mid-year review* (meeting #1)\n" in due
    assert "1. Labour migration assessment — IOM (GCM obj 6, obj 7)" in due
    assert "Sent late" not in due


def test_poll(session: Session) -> None:
    closes = session.show(session.meeting + timedelta(days=1))
    proposed = session.reply(session.propose)
    assert f"Opened poll #1: {QUESTION}" in proposed
    assert f"closes {closes}" in proposed
    for recorded in ("IOM agrees", "ILO agrees", "RCO agrees", "UNICEF abstains", "WHO objects",
                     "WHO agrees on poll #1 (was: object)"):
        assert f"Recorded: {recorded}" in session.transcript
    shown = session.reply("poll show #1")
    assert "5 of 10 agencies have taken a position" in shown
    assert "Consensus needs at least 5 of the 10 member agencies" in shown
    assert "*Agree* (4)\n- RCO (RCO Focal Point, " in shown
    assert "- WHO (WHO Focal Point, " in shown
    assert "*Abstain* (1)\n- UNICEF (UNICEF Focal Point, " in shown
    assert "*Object* (0): none" in shown
    assert "*Not yet voted* (5): OHCHR, UNHCR, UNDP, UN-HABITAT, WORLD-BANK" in shown
    outcome = session.reply("poll close #1")
    assert (f"*Consensus* on poll #1: {QUESTION}\nThe proposal is adopted. Recorded as "
            "decision #1.\nAgree 4, abstain 1, object 0, not voted 5.") in outcome
    assert "-- to the network channels --\n== Outcome of poll #1 ==" in outcome
    assert "*Did not vote* (5): OHCHR, UNHCR, UNDP, UN-HABITAT, WORLD-BANK" in outcome
    history = session.reply("poll history #1")
    assert ("opened by IOM Focal Point; electorate RCO, IOM, ILO, OHCHR, UNHCR, UNICEF, UNDP, "
            "UN-HABITAT, WORLD-BANK, WHO") in history
    assert "WHO Focal Point (WHO) voted object: Needs health wording" in history
    assert "WHO Focal Point (WHO) changed WHO's position from object to agree" in history
    assert history.rstrip().endswith("closed, consensus")


def test_poll_reminder_and_minutes_nudge_after_the_meeting(session: Session) -> None:
    due = session.reply("meeting show #1")
    closes = session.show(session.meeting + timedelta(days=1))
    assert f"Poll #1 closes {closes}: {QUESTION}" in due
    assert ("These agencies have not taken a position yet:\n- OHCHR: OHCHR Focal Point\n"
            "- UNHCR: UNHCR Focal Point\n- UNDP: UNDP Focal Point\n"
            "- UN-HABITAT: UN-HABITAT Focal Point\n- WORLD-BANK: World Bank Focal Point") in due
    assert (f"-- to IOM Focal Point --\n*Minutes overdue: {TITLE}* (meeting #1, held "
            f"{session.when})\nThe minutes were due "
            f"{session.show(session.meeting + timedelta(seconds=MINUTES_DUE))}.") in due


def test_minutes(session: Session) -> None:
    posted = session.reply(session.minutes)
    assert ("Minutes of meeting #1 posted (version 1) and sent to the network channels: "
            "1 decision (#2), 1 action item (#1).") in posted
    assert "-- to the network channels --\n== Minutes of meeting #1 ==" in posted
    minutes = session.reply("minutes #1")
    assert f"*Minutes of meeting #1: {TITLE}*\n{session.show(session.meeting)}, IOM office\n" \
           "Posted " in minutes
    assert " by IOM Focal Point.\nAttendees: RCO, IOM, ILO\n" in minutes
    assert ("*Labour migration assessment*\n"
            "- *Agreed* (decision #2): Endorse the terms of reference\n"
            "- *Action* #1 for ILO: circulate the draft — due 30 Jun "
            f"{session.year + 1}") in minutes


def test_calendar_file(session: Session) -> None:
    assert "saved network-bot-files/meeting-1.ics" in session.reply("meeting ics #1")
    calendar = (session.files / "meeting-1.ics").read_text(encoding="utf-8")
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert f"SUMMARY:{TITLE}" in calendar
    assert f"DTSTART:{session.meeting:%Y%m%dT%H%M%SZ}" in calendar
    assert "LOCATION:IOM office" in calendar


def test_report(session: Session) -> None:
    year = session.year
    report = session.reply("report")
    for line in (f"*UN Network on Migration in Lao PDR: {year}*",
                 "Meetings held: 1 regular of 2 planned.", "Decisions: 2. Polls: 1 consensus.",
                 "Action items: 0 done, 1 open, 0 overdue.", "Minutes: 1 of 1 within 0 days",
                 "GCM objectives worked on: 6 (1 item, 1 decision), 7 (1 item, 1 decision), "
                 "18 (1 item, 1 decision)."):
        assert line in report
    names = (f"report-{year}.md", f"decisions-{year}.csv", f"action-items-{year}.csv",
             f"activity-by-objective-{year}.png")
    for name in names:
        assert f"saved network-bot-files/{name}" in report
    markdown = (session.files / names[0]).read_text(encoding="utf-8")
    assert f"# UN Network on Migration in Lao PDR: report {year}" in markdown
    assert "Endorse the terms of reference" in markdown
    assert "Endorse the terms of reference" in (session.files / names[1]).read_text("utf-8-sig")
    assert "circulate the draft" in (session.files / names[2]).read_text("utf-8-sig")
    with Image.open(session.files / names[3]) as chart:
        assert (chart.format, chart.width) == ("PNG", 1100)


def test_serve_answers_health_and_stops_on_sigint(venv: Path, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(venv / "bin" / "network-bot"), "--config", str(APP_YAML), "--database-url",
             f"sqlite:///{tmp_path / 'serve.db'}", "serve", "--port", str(port)],
            cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
            env=clean_env(SLACK_BOT_TOKEN="xoxb-x", SLACK_SIGNING_SECRET="s",
                          SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/"))
    served = Served(process, port, log)
    try:
        wait_for(lambda: served.health() == 200 or process.poll() is not None, timeout=60)
        assert served.health() == 200, log.read_text()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, log.read_text()
    finally:
        if process.poll() is None:
            served.kill()
    assert "Traceback" not in log.read_text()
