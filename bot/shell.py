"""The embedded shell: talk to the bot in a terminal, as anyone on the roster.

Typed lines are commands (the ``/network`` prefix is optional). Lines starting with ``:`` talk
to the shell itself: ``:as IOM`` or ``:as "ILO Focal Point"`` switches who is speaking. When
stdin is not a terminal every input line is echoed as ``> line`` so a piped session reads as
a transcript, and a form is never opened (the reply's one-line example says what to type
instead): the lines that follow are commands, not a form's answers. In a terminal a form is
asked field by field; a field with options takes only one of them, and end of input (Ctrl-D)
cancels the form. After each command the shell delivers the outbox rows that are due (reminders,
announcements) through a notifier that prints them.
"""

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.app import App
from bot.render_text import render_text
from bot.shell_notifier import ShellNotifier
from handlers.core import Choice, Form, FormField, Reply, Speaker, UserError, Where
from handlers.forms import command_for
from handlers.people import SHELL, introduce, shell_speaker
from scheduler.dispatch import Dispatcher, Policy

FILES_ENV = "NETWORK_BOT_FILES"
META_HELP = (
    "Shell commands: :as <agency code or person name> (speak as someone else), "
    ":who (who is speaking), :quit. Everything else is a bot command; type help."
)
NO_FORM = "(A piped session opens no form, so nothing was sent: type the command on one line.)"
CANCELLED = "Cancelled; nothing was sent."
# Leaving the shell: its own :quit, and the words a newcomer tries first (no bot verb is one).
QUIT = (":quit", ":q", ":exit", "quit", "exit")
CLEAR = "-"  # the answer that empties an optional field the form filled in
KEPT_SHOWN = 60  # characters of a filled-in value shown in its field's hint


def option_value(field: FormField, answer: str) -> str | None:
    """The option an answer picks, by its number or its value (``#8``), or None; for a
    field taking several, the options of the answer's words, joined with commas."""
    text = answer.strip()
    if field.multiple:
        words = text.replace(",", " ").split()
        picked = [option_value(replace(field, multiple=False), word) for word in words]
        if None in picked or (field.required and not picked):
            return None
        return ",".join(str(value) for value in picked)
    values = [value for value, _ in field.options]
    if text.isdigit() and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    return text if text in values else None


def _keeps(field: FormField) -> str:
    """The hint for a field the form fills in already (a message's text, the next meeting):
    an empty answer keeps it, and ``-`` empties an optional one."""
    if not field.initial:
        return ""
    labels = dict(field.options)
    shown = ", ".join(labels.get(value, value) for value in field.initial.split(",")) \
        if field.options else field.initial
    first, *rest = shown.splitlines() or [""]
    if len(first) > KEPT_SHOWN or rest:
        first = first[:KEPT_SHOWN].rstrip() + "…"
    clear = f"; {CLEAR} leaves it empty" if not field.required else ""
    return f" [an empty answer keeps: {first}{clear}]"


class Shell:
    def __init__(self, app: App, stdin: TextIO, stdout: TextIO, interactive: bool) -> None:
        self.app = app
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive
        self.speaker = self._default_speaker()
        self.choices: list[Choice] = []
        self.where = Where(platform=SHELL, channel="shell", direct=True)
        self.files = Path(os.environ.get(FILES_ENV, "network-bot-files"))
        notifier = ShellNotifier(app.engine, stdout, self._offer)
        self.outbox = Dispatcher(app.engine, app.config, [notifier], app.runner.clock,
                                 policy=Policy(concurrency=1))

    def run(self) -> int:
        if self.interactive:
            self._say(f"{self.app.config.network.name}. You are {self.speaker.display_name}. "
                      "Type help for commands, :as to speak as someone else, :quit to leave.")
        self._deliver_due()
        for line in self._lines(self._prompt):
            if line.strip() in QUIT:
                break
            self._handle(line)
            self._deliver_due()
        return 0

    def _deliver_due(self) -> None:
        """Print the notifications that are due now, in due order."""
        try:
            asyncio.run(self.outbox.run_due())
        except DBAPIError:
            self._say("(Notifications wait: the database is not answering. They go out after "
                      "your next command.)")

    def _handle(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        if text.startswith(":"):
            self._meta(text)
            return
        if text.isdigit() and self.choices:
            number = int(text)
            if not 1 <= number <= len(self.choices):
                self._say(f"Choose a number from 1 to {len(self.choices)}.")
                return
            self._press(self.choices[number - 1])
            return
        self._show(self.app.runner.run(self.speaker, self.where, text))

    def _press(self, choice: Choice) -> None:
        """A numbered choice is pressed as a button is: its form submitted, its command shown."""
        with suppress(UserError):
            self._say(f"({command_for(choice.form, choice.params, choice.values)})")
        self._show(self.app.runner.submit(self.speaker, self.where, choice.form,
                                          choice.params, choice.values))

    def _offer(self, choices: list[Choice]) -> None:
        self.choices = choices

    def _show(self, reply: Reply) -> None:
        self.choices = reply.choices
        self._say(render_text(reply))
        for attachment in reply.files:
            self.files.mkdir(parents=True, exist_ok=True)
            path = self.files / attachment.filename
            path.write_bytes(attachment.content)
            self._say(f"  saved {path}")
        if reply.form and self.interactive:
            self._fill(reply.form)
        elif reply.form:
            self._say(NO_FORM)

    def _fill(self, form: Form) -> None:
        """Ask for each field of a form in turn, each answer checked as it comes, then submit
        the form as its command. A refusal about one field (offering no choice) asks that
        field again, the other answers kept."""
        self._say(f"-- {form.title} (a line with only . cancels) --")
        values: dict[str, str] = {}
        lines = self._lines(lambda: "")
        pending = list(form.fields)
        while pending:
            for field in pending:
                value = self._ask(field, lines)
                if value is None:
                    self._say(CANCELLED)
                    return
                values[field.name] = value
            reply = self.app.runner.submit(self.speaker, self.where, form.id, form.params,
                                           values)
            wrong = [] if reply.ok or reply.choices else \
                [f for f in form.fields if f.name == reply.about]
            if not wrong:
                self._show(reply)
                return
            self._say(render_text(reply))
            pending = wrong

    def _ask(self, field: FormField, lines: Iterator[str]) -> str | None:
        """One field's answer (an option's value for a field with options), asked again until
        it is one; None when the person cancels or the input ends."""
        options = "".join(f"\n  [{n}] {label}" for n, (_, label) in
                          enumerate(field.options, start=1))
        none = "" if field.initial else ", or an empty line for none"
        hint = " (end with a line holding only END)" if field.multiline else \
            f" (numbers separated by spaces{none})" if field.multiple else ""
        self._say(f"{field.label}{hint}{_keeps(field)}:{options}")
        while (value := self._read_field(lines, field.multiline)) is not None:
            if field.initial and not value.strip():
                return field.initial
            if field.initial and not field.required and value.strip() == CLEAR:
                return ""
            if not field.options:
                return value
            chosen = option_value(field, value)
            if chosen is not None:
                return chosen
            self._say(f"'{value.strip()}' is not one of the choices: answer with a number from 1 "
                      f"to {len(field.options)}, or . to cancel.")
        return None

    def _read_field(self, lines: Iterator[str], multiline: bool) -> str | None:
        """A field's answer; None for a cancel and at end of input, even mid-answer."""
        collected: list[str] = []
        for line in lines:
            if line.strip() == "." and not collected:
                return None
            if not multiline:
                return line
            if line.strip() == "END":
                return "\n".join(collected)
            collected.append(line)
        return None

    def _meta(self, text: str) -> None:
        word, _, rest = text.partition(" ")
        if word == ":as" and rest.strip():
            self.speaker = self._find_speaker(rest.strip().strip('"“”'))
            self._say(self._who("You are now"))
        elif word == ":who":
            self._say(self._who("You are"))
        else:
            self._say(META_HELP)

    def _who(self, said: str) -> str:
        with Session(self.app.engine) as session:
            who = introduce(session, self.speaker)
        if self.speaker.external_id.isdigit():
            return f"{said} {who}."
        return f"{said} {who} (try :as IOM or :as a focal point's name)."

    def _find_speaker(self, wanted: str) -> Speaker:
        with Session(self.app.engine) as session:
            return shell_speaker(session, wanted)

    def _default_speaker(self) -> Speaker:
        return self._find_speaker(self.app.config.network.secretariat)

    def _prompt(self) -> str:
        return f"network [{self.speaker.display_name}]> "

    def _lines(self, prompt: Callable[[], str]) -> Iterator[str]:
        """Input lines; echoed as ``> line`` when stdin is not a terminal."""
        while True:
            if self.interactive:
                try:
                    line = input(prompt())
                except EOFError:
                    self._say("")
                    return
            else:
                raw = self.stdin.readline()
                if not raw:
                    return
                line = raw.rstrip("\n")
                self._say(f"> {line}")
            yield line

    def _say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)
