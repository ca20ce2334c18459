"""Run one typed line (or button, or form) as one transaction and return a Reply.

This is the single entry point every adapter calls. It resolves the speaker, finds the
command, enforces roster membership, replays the stored reply for a platform delivery key it
has already handled (of a command that changes the record; one that only reads runs again),
and turns refusals and outages into friendly replies that change nothing.
"""

import difflib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, bindparam, insert
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, select

from handlers import registry
from handlers.command_pacing import CommandPacing
from handlers.core import Command, Context, Reply, Speaker, UserError, Where
from handlers.forms import command_for
from handlers.grammar import check_characters, check_length, strip_prefix, tidy
from handlers.mentions import as_names
from handlers.people import SHELL, resolve_actor
from handlers.registry import CommandSpec
from handlers.wording import listed
from settings.clock import Clock, utc_now
from settings.schema import AppConfig
from storage.db import first_line, reading, transaction, unavailable
from storage.models import ProcessedCommand
from storage.outbox import queued_for_network, queued_in

log = logging.getLogger(__name__)

NOT_ON_ROSTER = (
    "You are not on the roster of {network}, so only {public} answer you. "
    "To be added, ask the Secretariat ({secretariat}) to put you on the roster as a focal "
    "point of your agency."
)
DATABASE_DOWN = (
    "The database is not answering right now, so nothing was changed. "
    "Please try again shortly."
)
DATABASE_ERROR = (
    "The database refused this command, so nothing was changed. That is a fault in the bot, "
    "not in what you typed, and it has been logged; please tell the Secretariat if it happens "
    "again."
)
SAVE_IN_DOUBT = (
    "The database stopped answering while saving this, so it may or may not have been saved. "
    "Please check whether it took effect before you try again."
)
PARTNERS_ONLY = (
    "As a partner ({organisation}) you take part in your working groups' meetings and agendas, "
    "but '{verb}' is for the member agencies' focal points (partners do not vote in Network "
    "consensus polls or run the Network's records). Type help to see what you can use."
)
INTERNAL_ERROR = "Something went wrong on our side, so nothing was changed. Please try again."


def not_on_roster(config: AppConfig) -> str:
    """What a visitor is told: what answers them, and how to get on the roster."""
    return NOT_ON_ROSTER.format(
        network=config.network.name, secretariat=config.network.secretariat,
        public=listed([f"`{name}`" for name in registry.public_commands()]))


class CommitInDoubt(Exception):
    """The connection was lost during COMMIT: the database may have saved the command or not,
    so "nothing was changed" would not be true."""


class Runner:
    def __init__(self, engine: Engine, config: AppConfig, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock
        # Called after a command committed outbox rows, to wake delivery for rows due now.
        # (Only then: waking it after every command cost a claim query each, a third of the
        # server's CPU for a cheap command.)
        self.after_queueing: list[Callable[[], None]] = []
        # Asked after a command queued a post for the network: each platform's reason it
        # cannot post to the network's channel yet (None: it can), added to the reply so
        # that it never says the network was told when a channel was not.
        self.network_checks: list[Callable[[], str | None]] = []
        self.pacing = CommandPacing(config.commands.per_person_per_minute)
        registry.load_all()

    def run(
        self, speaker: Speaker, where: Where, line: str, key: str | None = None
    ) -> Reply:
        """Handle one command line; never raises for anything a member could type."""
        try:
            reply, queued, to_network = self._run(speaker, where, line, key)
            if queued:
                for listener in self.after_queueing:
                    listener()
            return self._with_unreached_channels(reply) if to_network else reply
        except UserError as refusal:
            return refusal.reply()
        except CommitInDoubt:
            log.warning("database lost during commit of %r", line[:80], exc_info=True)
            return Reply(text=SAVE_IN_DOUBT, ok=False)
        except (DBAPIError, PoolTimeout) as failure:  # PoolTimeout: no free connection in time
            return self._database_failed(failure, line, key)
        except Exception:
            log.exception("command failed: %r", line[:80])
            return Reply(text=INTERNAL_ERROR, ok=False)

    def submit(
        self, speaker: Speaker, where: Where, form_id: object, params: object,
        values: Mapping[str, Any], key: str | None = None,
    ) -> Reply:
        """Run a submitted form: its command rebuilt from the server's own definition of the
        form (``handlers.forms``), whatever the client sent beside its values."""
        try:
            line = command_for(form_id, params, values)
        except UserError as refusal:
            return refusal.reply()
        return self.run(speaker, where, line, key)

    def _database_failed(self, failure: DBAPIError | PoolTimeout, line: str,
                         key: str | None) -> Reply:
        """An outage is answered "try again shortly" and logged in one line (during one, every
        command fails); anything else the database refused is a fault of the bot, logged with
        its traceback. Either way the transaction was rolled back."""
        if unavailable(failure):
            log.warning("database unavailable, answered 'try again shortly': %s",
                        first_line(failure))
            return Reply(text=DATABASE_DOWN, ok=False)
        if isinstance(failure, IntegrityError) and key and \
                (stored := self._stored_reply(key)) is not None:
            return stored  # the same delivery, handled meanwhile by another worker or replica
        log.exception("the database refused %r", line[:80])
        return Reply(text=DATABASE_ERROR, ok=False)

    def _with_unreached_channels(self, reply: Reply) -> Reply:
        notes = [note for check in self.network_checks if (note := check())]
        return replace(reply, text="\n".join([reply.text, *notes])) if notes else reply

    def _run(
        self, speaker: Speaker, where: Where, line: str, key: str | None
    ) -> tuple[Reply, bool, bool]:
        """The reply, whether the command queued outbox rows, and whether for the network."""
        text = strip_prefix(tidy(line)) or "help"
        found = registry.find(text)
        if found is None:
            raise UserError(*_unknown_verb(text))
        spec, args = found
        if spec.name == spec.verb and args and (typo := _misspelt_subcommand(spec.verb,
                                                                             args.split()[0])):
            raise UserError(*typo)
        # A guard on the whole line, before anything reads it; each text in it has its own
        # limit, which its handler checks on that text alone.
        check_length(text, what="command", example=spec.example, max_length=spec.max_length)
        if not spec.mentions and where.platform != SHELL:  # the shell has no mentions: text
            text, args = as_names(text), as_names(args)
        check_characters(text, what="command", example=spec.example)
        if spec.reads_only:
            with reading(self.engine) as session:
                return self._handle(session, speaker, where, text, spec, args, None), False, False
        with transaction(self.engine) as session:
            reply = self._handle(session, speaker, where, text, spec, args, key)
            queued, to_network = queued_in(session), queued_for_network(session)
            session.flush()  # the database has checked every write; only COMMIT is left
            try:
                session.commit()
            except OperationalError as lost:
                raise CommitInDoubt from lost
        return reply, queued, to_network

    def _handle(self, session: Session, speaker: Speaker, where: Where, text: str,
                spec: CommandSpec, args: str, key: str | None) -> Reply:
        if key and (stored := _replay(session, key)) is not None:
            return stored
        actor = resolve_actor(session, self.config, speaker)
        if where.platform != SHELL:  # the shell is the operator's own terminal on the server
            who = f"person:{actor.person_id}" if actor.on_roster else \
                f"{speaker.platform}:{speaker.external_id}"
            self.pacing.admit(who, self.clock(), spec.example)
        if not actor.on_roster and not spec.public:
            return Reply(text=not_on_roster(self.config), ok=False)
        if actor.is_partner and not spec.partners:
            return Reply(text=PARTNERS_ONLY.format(organisation=actor.partner,
                                                   verb=spec.name), ok=False)
        if spec.roles is not None and not actor.has(*spec.roles.roles):
            raise spec.roles.refusal(self.config.network)
        command = Command(actor, where, text, spec.name, args, key)
        try:
            reply = spec.handler(Context(session, self.config, self.clock(), command, spec),
                                 args)
        except UserError as refusal:
            if refusal.example is None:  # a refusal naming no example shows the command's
                refusal.example = spec.example
            raise
        if key:
            session.connection().execute(
                _RECORD, {"key": key, "reply": reply.to_dict(), "created_at": self.clock()})
        return reply

    def _stored_reply(self, key: str) -> Reply | None:
        with Session(self.engine) as session:
            return _replay(session, key)


# Built once (every command with a delivery key runs both) and run on the session's connection,
# without ORM objects (half the CPU): the stored reply is all that is read, and the record is
# never read back in the same command.
_STORED_REPLY = select(ProcessedCommand.reply).where(ProcessedCommand.key == bindparam("key"))
_RECORD = insert(ProcessedCommand.__table__)  # type: ignore[attr-defined]


def _replay(session: Session, key: str) -> Reply | None:
    stored = session.connection().execute(_STORED_REPLY, {"key": key}).scalar()
    return Reply.from_dict(stored) if stored is not None else None


_SHOWN_WORD = 40  # characters of an unknown verb read and echoed (it may be a pasted document)


def _unknown_verb(text: str) -> tuple[str, str]:
    word = text.split(maxsplit=1)[0].lower()
    if len(word) > _SHOWN_WORD:
        word = word[:_SHOWN_WORD - 1] + "…"
    check_characters(word, what="command", example="help")  # before it is echoed
    if word in registry.verbs():
        return _unknown_subcommand(word, text.split()[1:2])
    names = registry.verbs() + list(registry.REGISTRY)
    close = list(dict.fromkeys(difflib.get_close_matches(word, names, n=4, cutoff=0.6)))[:3]
    if close:
        return f"I don't know '{word}'. Did you mean {' or '.join(close)}?", "help"
    return f"I don't know '{word}'. Type help to see every command.", "help"


def _unknown_subcommand(verb: str, after: list[str]) -> tuple[str, str]:
    """``meeting lsit``: the verb is known (it has no command of its own), the word after it
    is not; name that word and suggest the nearest of the verb's commands."""
    specs = registry.commands_of(verb)
    if not after:
        said = f"'{verb}' needs a word after it"
    else:
        if typo := _misspelt_subcommand(verb, after[0]):
            return typo
        said = f"I don't know '{after[0].lower()[:_SHOWN_WORD]}' after '{verb}'"
    return (f"{said}: the {verb} commands are {', '.join(spec.name for spec in specs)} "
            f"(help {verb} explains each).", f"help {verb}")


def _misspelt_subcommand(verb: str, word: str) -> tuple[str, str] | None:
    """``members histroy``: a word after a verb that is nearly one of its commands (and so
    would otherwise be read as the verb's own arguments) is named, with the nearest."""
    wrong = word.lower()[:_SHOWN_WORD]
    check_characters(wrong, what="command", example=f"help {verb}")
    subs = {spec.name.partition(" ")[2].split(" ")[0]: spec for spec in registry.commands_of(verb)}
    close = difflib.get_close_matches(wrong, [sub for sub in subs if sub], n=3, cutoff=0.6)
    if not close:
        return None
    suggested = " or ".join(f"{verb} {sub}" for sub in close)
    return (f"I don't know '{wrong}' after '{verb}'. Did you mean {suggested}?",
            subs[close[0]].example)
