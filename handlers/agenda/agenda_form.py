"""The agenda-item form: ``agenda new``, and "Add to agenda" on a Slack or Teams message.

The form asks for the item's text, a link, the objectives to tick and the meeting; submitted,
it becomes the ``agenda add`` line a person would type (text, link, ``#objN`` tags, ``for
#N``), so that who may add what, the limits and the refusals are exactly those of
``agenda add``. The platforms open it with a message's text and its link.
"""

import re
from collections.abc import Mapping

from sqlmodel import col, select

from handlers.agenda.agenda import ADD_EXAMPLE, partner_meeting
from handlers.core import Context, Form, FormField, Reply, UserError
from handlers.forms import form
from handlers.grammar import TEXT_LIMIT, tidy
from handlers.meetings.meeting_common import next_open, zone
from handlers.registry import REGISTRY, command
from handlers.timefmt import show_date, show_time
from storage.models import Meeting, MeetingStatus, WorkingGroup

NEW_FORM = "agenda-new"
# What Slack's message shortcut and Teams' message action that open the form are called.
ACTION = "Add to agenda"
ACTION_DESCRIPTION = "Propose this message as an item for the next meeting's agenda"
TEXT, LINK, OBJECTIVES, MEETING = "text", "link", "objectives", "meeting"
BACKLOG = "backlog"  # the meeting field's value when no meeting takes items
MEETINGS_SHOWN = 25  # open meetings offered, the soonest first
# Room on the line for a whole chat message (Slack's text is at most 40,000 characters): the
# form is opened with the message, cut to what an agenda item may hold.
MESSAGE_ROOM = 50_000
TEXT_EXAMPLE = "Update on the labour migration assessment"
NEW_EXAMPLE = f"agenda new {TEXT_EXAMPLE}"
LINK_EXAMPLE = "https://lao.un.org/migration-assessment"
_LINK = re.compile(r"https?://\S+")
_TAG = re.compile(r"#obj\d{1,9}")
_MEETING = re.compile(r"#\d{1,9}")
_LAST_WORD = re.compile(r"(?:^|\s)(\S+)\s*$")


@command(
    "agenda new",
    reads_only=True,
    summary="Open the agenda-item form: text, link, objectives to tick, and the meeting",
    usage="agenda new [<text>] [<link>]",
    example=NEW_EXAMPLE,
    detail="The form starts with the text given (a web address at its end goes into the "
           "link box) and the next meeting open for items; submitting it adds the item as "
           "agenda add does, with the same rules. Slack's \"Add to agenda\" message shortcut "
           "and Teams' \"Add to agenda\" message action open this form with the message.",
    partners=True,
    max_length=MESSAGE_ROOM,
)
def agenda_new(ctx: Context, args: str) -> Reply:
    text, link = _split_link(tidy(args).strip())
    room = max(0, TEXT_LIMIT - (len(link) + 1 if link else 0))
    notes = []
    if len(text) > room:
        notes.append(f"The text has {len(text):,} characters and an agenda item takes "
                     f"{TEXT_LIMIT:,} with its link, so it was cut to fit: check its end.")
        text = text[:room].rstrip()
    meetings = _open_meetings(ctx)
    if ctx.actor.is_partner and not meetings:
        partner_meeting(ctx, None)  # says which working groups' meetings are theirs
    chosen = meetings[0] if ctx.actor.is_partner else next_open(ctx, None)
    if chosen is not None and chosen.id not in {m.id for m in meetings}:
        meetings.insert(0, chosen)
    options = [(f"#{m.id}", f"#{m.id} {show_date(m.starts_at, zone(ctx))}: {m.title}")
               for m in meetings]
    if chosen is not None:
        intro = (f"The item goes to meeting #{chosen.id} unless you choose another; its "
                 f"agenda closes {show_time(chosen.agenda_closes_at, zone(ctx))}.")
        initial = f"#{chosen.id}"
    else:
        intro = ("No network meeting is open for agenda items yet: the item waits in the "
                 "backlog and joins the next meeting once one is scheduled (the Chair or the "
                 f"Secretariat: {REGISTRY['meeting schedule'].example}).")
        options.insert(0, (BACKLOG, "The backlog: the next network meeting scheduled"))
        initial = BACKLOG
    fields = [
        FormField(TEXT, "Agenda item", multiline=True, initial=text, max_length=TEXT_LIMIT,
                  placeholder=TEXT_EXAMPLE),
        FormField(LINK, "Link (optional)", initial=link, required=False,
                  placeholder="https://…"),
    ]
    if ctx.config.objectives:
        fields.append(FormField(
            OBJECTIVES, "GCM objectives (optional)", multiple=True, required=False,
            options=[(f"#obj{n}", f"{n}. {name}") for n, name in
                     sorted(ctx.config.objectives.items())]))
    fields.append(FormField(MEETING, "Meeting", options=options, initial=initial))
    return Reply(title=ACTION, text="\n".join([intro, *notes, f"Or type: {ADD_EXAMPLE}"]),
                 form=Form(ACTION, NEW_FORM, fields, submit_label="Add"))


@form(NEW_FORM, fields=(TEXT, LINK, OBJECTIVES, MEETING))
def _add_command(_: Mapping[str, int], values: Mapping[str, str]) -> str:
    text, link, meeting = values[TEXT], values[LINK], values[MEETING]
    if link and not _LINK.fullmatch(link):
        raise UserError("The link must be one web address, starting with https:// or "
                        "http://.", LINK_EXAMPLE, about=LINK)
    if not link and (last := _LAST_WORD.search(text)) and last.group(1).startswith("#"):
        raise UserError(f"The text ends with '{last.group(1)}', which agenda add would read "
                        "as an objective tag or a meeting: tick the objectives in the list, "
                        "and end the text with a word.", TEXT_EXAMPLE, about=TEXT)
    tags = [tag.strip() for tag in values[OBJECTIVES].split(",") if tag.strip()]
    if any(not _TAG.fullmatch(tag) for tag in tags):
        raise UserError("Choose the objectives from the list.", ADD_EXAMPLE, about=OBJECTIVES)
    if meeting != BACKLOG and not _MEETING.fullmatch(meeting):
        raise UserError("Choose the meeting from the list.", ADD_EXAMPLE, about=MEETING)
    target = "" if meeting == BACKLOG else f" for {meeting}"
    body = f"{text} {link}" if link else text
    return f"agenda add {body}{''.join(f' {tag}' for tag in tags)}{target}"


def opening_line(message: str, link: str) -> str:
    """The command that opens the form with a chat message (as plain text) and its link: what
    the platforms' "Add to agenda" on a message runs as the person who chose it."""
    return " ".join(part for part in ("agenda new", message.strip(), link.strip()) if part)


def _split_link(text: str) -> tuple[str, str]:
    """``<text> <link>`` -> (text, link): a web address at the end is the link."""
    last = _LAST_WORD.search(text)
    if last is not None and _LINK.fullmatch(last.group(1)):
        return text[:last.start()].strip(), last.group(1)
    return text, ""


def _open_meetings(ctx: Context) -> list[Meeting]:
    """The scheduled meetings whose agenda deadline has not passed, soonest first: a
    partner's, of their working groups only."""
    query = select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED,
                                  Meeting.agenda_closes_at > ctx.now)
    if ctx.actor.is_partner:
        query = query.join(WorkingGroup, col(WorkingGroup.id) == Meeting.wg_id).where(
            col(WorkingGroup.slug).in_(sorted(ctx.actor.partner_wgs)))
    return list(ctx.session.exec(query.order_by(col(Meeting.starts_at), col(Meeting.id))
                                 .limit(MEETINGS_SHOWN)).all())

