"""The transcripts in tests/transcripts/: each file is a shell session that is replayed through
the real shell, piped, and must come out word for word (tests/transcripts/README.md).

``TRANSCRIPTS_REWRITE=1`` writes each file again from what the shell printed, for an intended
change of wording; review the git diff before committing it.
"""

import difflib
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from bot.app import App
from bot.shell import FILES_ENV, Shell
from handlers.meetings.meeting_plan import ensure_plan_checks
from handlers.runner import Runner
from settings.schema import AppConfig
from storage.db import transaction
from tests.conftest import Clock

TRANSCRIPTS = Path(__file__).parent / "transcripts"
REWRITE = os.environ.get("TRANSCRIPTS_REWRITE") == "1"
TYPED = "> "
CLOCK_LINE = re.compile(r"~~ (\d{4}-\d\d-\d\d \d\d:\d\d) ~~")


@dataclass
class Transcript:
    header: list[str]  # the comment at the top, kept as it is when the file is rewritten
    session: list[str]  # the rest: the shell's output, typed lines and clock lines included

    @classmethod
    def read(cls, path: Path) -> "Transcript":
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next((n for n, line in enumerate(lines)
                      if line.strip() and not line.startswith("#")), len(lines))
        return cls(lines[:start], lines[start:])

    def inputs(self) -> list[str]:
        """What the file makes the user type, and its clock lines, in order."""
        return [line for line in self.session
                if line.startswith(TYPED) or CLOCK_LINE.fullmatch(line)]


class ScriptedInput(io.TextIOBase):
    """The shell's stdin: the typed lines, as a pipe gives them. A clock line is not typed:
    it moves the test clock (in the network's time zone), appears in the output as it is
    written, and the notifications then due are delivered before the next typed line."""

    def __init__(self, lines: list[str], clock: Clock, zone: ZoneInfo, out: io.StringIO,
                 deliver: Callable[[], None]) -> None:
        self.pending = iter(lines)
        self.clock, self.zone, self.out, self.deliver = clock, zone, out, deliver

    def readline(self, size: int | None = -1) -> str:
        for line in self.pending:
            moved = CLOCK_LINE.fullmatch(line)
            if not moved:
                return line.removeprefix(TYPED) + "\n"
            when = datetime.strptime(moved.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=self.zone)
            assert when >= self.clock.now, f"the clock goes back at {line!r}"
            self.clock.now = when
            print(line, file=self.out)
            self.deliver()
        return ""


def replay(transcript: Transcript, engine: Engine, config: AppConfig) -> list[str]:
    """The shell's output for the transcript's input: an App as `network-bot` opens one (the
    roster synced by the engine fixture, the meeting plan's checks queued), on the test clock."""
    clock = Clock()
    with transaction(engine) as session:
        ensure_plan_checks(session, config, clock())
    app = App(config=config, engine=engine, runner=Runner(engine, config, clock))
    out = io.StringIO()
    shell = Shell(app, io.StringIO(), out, interactive=False)
    shell.stdin = ScriptedInput(transcript.inputs(), clock, ZoneInfo(config.network.timezone),
                                out, shell._deliver_due)  # as the shell does after a line
    shell.run()
    return out.getvalue().splitlines()


def mismatch(path: Path, transcript: Transcript, actual: list[str]) -> str:
    """Where the shell's output first departs from the file, and a diff in file lines."""
    offset = len(transcript.header)
    first = next((n for n, (want, got) in enumerate(zip(transcript.session, actual, strict=False))
                  if want != got), min(len(transcript.session), len(actual)))
    diff = difflib.unified_diff(transcript.header + transcript.session,
                                transcript.header + actual, str(path), "the shell printed",
                                lineterm="")
    return (f"{path.name}:{offset + first + 1}: the shell's reply differs from the transcript "
            f"(TRANSCRIPTS_REWRITE=1 rewrites it after an intended change)\n" + "\n".join(diff))


@pytest.mark.parametrize("path", sorted(TRANSCRIPTS.glob("*.txt")), ids=lambda path: path.stem)
def test_transcript(path: Path, engine: Engine, config: AppConfig, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(FILES_ENV, "files")  # where the shell saves files, named in its output
    transcript = Transcript.read(path)
    actual = replay(transcript, engine, config)
    if REWRITE:
        path.write_text("\n".join(transcript.header + actual) + "\n", encoding="utf-8")
        return
    if actual != transcript.session:
        pytest.fail(mismatch(path, transcript, actual), pytrace=False)


def test_the_transcripts_are_there() -> None:
    """One per role; a missing file must not pass by parametrising over nothing."""
    roles = {"secretariat", "chair", "agency", "wg_chair", "partner", "visitor"}
    assert roles <= {path.stem for path in TRANSCRIPTS.glob("*.txt")}
