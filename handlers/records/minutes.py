"""Minutes: ``minutes #N <body>`` posts them, ``minutes #N`` reads them, ``history`` all versions.

Posting stores a new version, records its ``#agreed`` entries as decisions and its ``#action``
entries as action items, posts the rendered minutes to the network at once and cancels the
"minutes overdue" nudge. A correction keeps the decisions and action items that are still in
the minutes (same number, same status), adds the new ones and supersedes the ones left out.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import col, func, select

from handlers.core import Context, Form, FormField, Reply, Role, Scope, UserError
from handlers.dates import understand_when
from handlers.forms import BUTTON_VALUE_LIMIT, button, encoded, form
from handlers.grammar import check_text, parse_ref
from handlers.notify import queue
from handlers.outbox_kinds import OutboxKind, declare
from handlers.records.action_reminders import (
    cancel_reminders,
    reschedule_reminders,
    schedule_reminders,
    show_due,
)
from handlers.records.minutes_markers import (
    ACTION_EXAMPLE,
    EXAMPLE,
    MARKERS,
    Entry,
    Marker,
    parse_markers,
    split_codes,
)
from handlers.records.minutes_removals import (
    current_actions,
    current_decisions,
    describe_action,
    describe_decision,
    removals,
)
from handlers.registry import LINE_ROOM, command
from handlers.timefmt import show_date, show_time
from handlers.wording import counted
from storage.attendance import attending_agencies
from storage.models import (
    ActionItem,
    ActionStatus,
    Agency,
    Decision,
    Meeting,
    MeetingStatus,
    Minutes,
    Person,
)
from storage.outbox import cancel_pending
from templates import render

POSTED = declare(OutboxKind("minutes.posted"))
OVERDUE = declare(OutboxKind("minutes.overdue"))
RECENT_MEETINGS = 10
BODY_MAX_LENGTH = 20000  # characters of the minutes' text, the command around it aside
MINUTES_FORM = "minutes"  # asks which meeting; MEETING_MINUTES_FORM is for one meeting
MEETING_MINUTES_FORM = "minutes-of-meeting"
REPLACE_FORM = "minutes-replace"  # the button that confirms a correction removing records
MEETING_FIELD, BODY_FIELD = "meeting", "body"  # the form's fields; refusals name the one wrong
ADD, REPLACE = "add", "--replace"  # minutes #N add <entries>; minutes #N --replace <body>
EXAMPLE_BODY = EXAMPLE.partition(" ")[2].partition(" ")[2]  # the example's markers
_REF_AND_REST = re.compile(r"\s*(\S+)\s*(.*)", re.S)


@dataclass
class Numbers:
    """The records behind a version's entries: decision and action item numbers."""

    decisions: dict[str, int] = field(default_factory=dict)
    actions: dict[tuple[str, str], ActionItem] = field(default_factory=dict)


@command(
    "minutes",
    summary="Post a meeting's minutes (Secretariat), or read them and their earlier versions",
    usage="minutes #N [<body> | add <entries> | --replace <body> | history]",
    example=EXAMPLE,
    detail="The body uses markers, on separate lines or inline: #attendees <agencies>, "
           "#topic <text>, #info <text>, #agreed <decision>, #action <AGENCY> <task> "
           "[due <date>]. Posting again for the same meeting stores a corrected version; "
           "one that would remove decisions or action items names them and asks to be "
           "confirmed (minutes #N --replace <body>); minutes #N add <entries> appends. "
           "minutes #N alone shows the latest version (or, for the Secretariat, a form when "
           "there are none yet); minutes #N history shows every version; minutes alone opens "
           "the form.",
    max_length=BODY_MAX_LENGTH + LINE_ROOM,
)
def minutes(ctx: Context, args: str) -> Reply:
    match = _REF_AND_REST.match(args)
    if not match:
        return _form(ctx)
    try:
        meeting = meeting_by_ref(ctx, match.group(1))
    except UserError as refusal:
        raise refusal.on(MEETING_FIELD) from None
    rest = match.group(2).strip()
    if rest.lower() == "history":
        return _history(ctx, meeting)
    if rest:
        return _post(ctx, meeting, rest)
    latest = _latest(ctx, meeting)
    if latest is not None:
        return _show(ctx, meeting, latest)
    if ctx.actor.has(Role.SECRETARIAT):
        return _meeting_form(ctx, meeting)
    return Reply(text=f"Meeting #{meeting.id} has no minutes yet. The Secretariat "
                      f"({ctx.config.network.secretariat}) posts them.")


def minutes_due_at(scope: Scope, meeting: Meeting) -> datetime:
    """When a meeting's minutes are due: ``meetings.minutes_due`` after it starts. The
    Secretariat is nudged then (``minutes.overdue``, queued with the meeting) unless minutes
    were posted, which cancels the nudge."""
    return meeting.starts_at + scope.config.meetings.minutes_due


def minutes_overdue(scope: Scope, limit: int) -> tuple[int, list[Meeting]]:
    """The meetings the nudge is about: held, not cancelled, due (``minutes_due_at``) and
    without minutes; how many, and the ``limit`` held longest ago."""
    late = (Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at <= scope.now - scope.config.meetings.minutes_due,
            ~select(Minutes.id).where(Minutes.meeting_id == Meeting.id).exists())
    total = scope.session.exec(select(func.count()).select_from(Meeting).where(*late)).one()
    meetings = scope.session.exec(select(Meeting).where(*late).order_by(
        col(Meeting.starts_at), col(Meeting.id)).limit(limit)).all() if total else []
    return total, list(meetings)


def meeting_by_ref(ctx: Context, token: str) -> Meeting:
    """The held, not cancelled meeting ``#N``, or a refusal."""
    number = parse_ref(token, "meeting", EXAMPLE)
    meeting = ctx.session.get(Meeting, number)
    if meeting is None:
        raise UserError(f"There is no meeting #{number}.", EXAMPLE)
    if meeting.status == MeetingStatus.CANCELLED:
        raise UserError(f"Meeting #{number} was cancelled, so it has no minutes.", EXAMPLE)
    return meeting


def _require_held(ctx: Context, meeting: Meeting) -> None:
    if meeting.starts_at > ctx.now:
        when = show_time(meeting.starts_at, ctx.config.network.zone)
        raise UserError(f"Meeting #{meeting.id} starts {when}; its minutes can be posted once "
                        "it has been held.", about=MEETING_FIELD)


def _post(ctx: Context, meeting: Meeting, rest: str) -> Reply:
    _require_secretariat(ctx)
    mode, body = _mode(rest)
    _require_held(ctx, meeting)
    agencies = _known_agencies(ctx)
    try:
        body = check_text(body, what="text of the minutes", max_length=BODY_MAX_LENGTH)
        entries = parse_markers(body)
        for entry in entries:
            codes = split_codes(entry.text) if entry.marker is Marker.ATTENDEES \
                else [entry.agency]
            if entry.marker in (Marker.ATTENDEES, Marker.ACTION):
                _check_codes(codes, agencies, entry)
        dues = _dues(ctx, entries)
    except UserError as refusal:
        raise refusal.on(BODY_FIELD) from None
    previous = _latest(ctx, meeting)
    if mode == ADD and previous is not None:
        try:
            body = check_text(f"{previous.body}\n{body}",
                              what="text of the minutes with the entries added",
                              max_length=BODY_MAX_LENGTH)
            entries = parse_markers(body)
            dues = _dues(ctx, entries)  # the earlier entries' too, or their items lose them
        except UserError as refusal:
            raise refusal.on(BODY_FIELD) from None
    assert meeting.id is not None
    removed = removals(ctx.session, meeting.id, entries, _code_of(agencies))
    if removed and mode != REPLACE:
        return _confirm_removal(meeting, body, removed)
    record = Minutes(meeting_id=meeting.id, version=previous.version + 1 if previous else 1,
                     body=body, posted_by_id=ctx.actor.person_id, posted_at=ctx.now)
    ctx.session.add(record)
    ctx.session.flush()
    dropped = _record_decisions(ctx, meeting, record, entries)
    dropped += _record_actions(ctx, meeting, record, entries, agencies, dues)
    cancel_pending(ctx.session, meeting_id=meeting.id, kinds=(OVERDUE.name,))
    numbers = _numbers(ctx, meeting)
    text = _render(ctx, meeting, record, entries, numbers)
    title = f"Minutes of meeting #{meeting.id}" + (" (corrected)" if previous else "")
    queue(ctx, POSTED, Reply(title=title, text=text, private=False), meeting_id=meeting.id)
    done = "corrected" if previous else "posted"
    decisions = _count(sorted(set(numbers.decisions.values())), "decision")
    actions = _count(sorted(a.id or 0 for a in numbers.actions.values()), "action item")
    summary = [f"Minutes of meeting #{meeting.id} {done} (version {record.version}) and sent "
               f"to the network channels: {decisions}, {actions}."]
    if dropped:
        summary.append("Removed from the record (superseded): " + ", ".join(dropped) + ".")
    summary.append(f"Read them with: minutes #{meeting.id}")
    return Reply(title=title, text="\n".join(summary))


def _mode(rest: str) -> tuple[str, str]:
    """``add <body>``, ``--replace <body>`` (or the flag last), or a plain body."""
    words = rest.split(maxsplit=1)
    if words and words[0].lower() in (ADD, REPLACE):
        return words[0].lower(), words[1] if len(words) > 1 else ""
    last = rest.rsplit(maxsplit=1)
    if len(last) > 1 and last[1].lower() == REPLACE:
        return REPLACE, last[0]
    return "", rest


def _confirm_removal(meeting: Meeting, body: str, removed: list[str]) -> Reply:
    """Nothing stored: the correction would remove records, so it must be confirmed (the
    button, or the command again with --replace; markers read the same on one line)."""
    assert meeting.id is not None  # a stored meeting
    one_line = " ".join(body.split())
    replace = f"minutes #{meeting.id} {REPLACE} {one_line}"
    confirm = button(f"Replace, removing {len(removed)}", REPLACE_FORM,
                     params={MEETING_FIELD: meeting.id}, values={BODY_FIELD: one_line},
                     style="danger")
    fits = len(encoded(confirm)) <= BUTTON_VALUE_LIMIT
    text = (f"This correction would remove from meeting #{meeting.id}'s record: "
            f"{', '.join(removed)}. Nothing was changed.\n"
            f"To post it and remove them, confirm with the button or start the minutes with "
            f"{REPLACE}. To keep them and add entries instead: minutes #{meeting.id} {ADD} "
            "<entries>.\nExample: " + (replace if fits else
                                       f"minutes #{meeting.id} {REPLACE} {EXAMPLE_BODY}"))
    return Reply(title=f"Minutes of meeting #{meeting.id}", text=text,
                 choices=[confirm] if fits else [],
                 ok=False, about=BODY_FIELD)


def _record_decisions(ctx: Context, meeting: Meeting, record: Minutes,
                      entries: list[Entry]) -> list[str]:
    """Keep the decisions still agreed, add new ones; returns those superseded."""
    assert meeting.id is not None
    existing = current_decisions(ctx.session, meeting.id)
    for entry in _unique(entries, Marker.AGREED):
        decision = existing.pop(entry.text, None) or Decision(
            text=entry.text, meeting_id=meeting.id, decided_at=meeting.starts_at)
        decision.minutes_id = record.id
        ctx.session.add(decision)
    for decision in existing.values():
        decision.superseded = True
    ctx.session.flush()
    return [describe_decision(d) for d in existing.values()]


def _record_actions(ctx: Context, meeting: Meeting, record: Minutes, entries: list[Entry],
                    agencies: dict[str, int], dues: dict[Entry, datetime]) -> list[str]:
    """Keep the action items still in the minutes, add new ones; returns those superseded."""
    assert meeting.id is not None
    existing = current_actions(ctx.session, meeting.id, _code_of(agencies))
    for entry in _unique(entries, Marker.ACTION):
        due = dues.get(entry)
        item = existing.pop((entry.agency, entry.text), None)
        if item is None:
            item = ActionItem(task=entry.text, agency_id=agencies[entry.agency],
                              meeting_id=meeting.id, due_at=due, created_at=ctx.now)
            ctx.session.add(item)
            ctx.session.flush()
            schedule_reminders(ctx, item, entry.agency)
        elif item.due_at != due and item.status == ActionStatus.OPEN:
            reschedule_reminders(ctx, item, due, entry.agency)
        item.minutes_id = record.id
    dropped = [describe_action(a, key[0]) for key, a in existing.items()]
    for item in existing.values():
        item.status = ActionStatus.SUPERSEDED
        cancel_reminders(ctx, item)
    ctx.session.flush()
    return dropped


def _code_of(agencies: dict[str, int]) -> dict[int, str]:
    return {agency_id: code for code, agency_id in agencies.items()}


def _unique(entries: list[Entry], marker: Marker) -> list[Entry]:
    """The entries with this marker, an entry repeated word for word counted once."""
    unique: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        if entry.marker is marker:
            unique.setdefault((entry.agency, entry.text), entry)
    return list(unique.values())


def _numbers(ctx: Context, meeting: Meeting) -> Numbers:
    decisions = ctx.session.exec(
        select(Decision.text, Decision.id).where(
            Decision.meeting_id == meeting.id,
            Decision.minutes_id.is_not(None),  # type: ignore[union-attr]
            Decision.superseded.is_(False))  # type: ignore[attr-defined]
    ).all()
    actions = ctx.session.exec(
        select(Agency.code, ActionItem)
        .join(Agency, col(Agency.id) == ActionItem.agency_id)
        .where(ActionItem.meeting_id == meeting.id,
               ActionItem.status != ActionStatus.SUPERSEDED)
    ).all()
    return Numbers(decisions={text: n for text, n in decisions if n is not None},
                   actions={(code, item.task): item for code, item in actions})


def _render(ctx: Context, meeting: Meeting, record: Minutes, entries: list[Entry],
            numbers: Numbers | None) -> str:
    """The minutes as text; ``numbers`` links entries to records (the latest version only)."""
    zone = ctx.config.network.zone
    poster = ctx.session.get(Person, record.posted_by_id) if record.posted_by_id else None
    attendees = [c for e in entries if e.marker is Marker.ATTENDEES for c in split_codes(e.text)]
    shown = []
    for entry in entries:
        if entry.marker is Marker.ATTENDEES:
            continue
        number, due = None, entry.due or None
        if numbers and entry.marker is Marker.AGREED:
            number = numbers.decisions.get(entry.text)
        if numbers and entry.marker is Marker.ACTION:
            item = numbers.actions.get((entry.agency, entry.text))
            if item is not None:
                number = item.id
                due = show_due(item.due_at, zone) if item.due_at else None
        shown.append({"marker": entry.marker.value, "text": entry.text, "agency": entry.agency,
                      "number": number, "due": due})
    return render(
        "minutes.txt.j2", meeting=meeting, when=show_time(meeting.starts_at, zone),
        version=record.version, posted=show_date(record.posted_at, zone),
        poster=poster.name if poster else "the Secretariat",
        attendees=list(dict.fromkeys(attendees)), entries=shown,
    )


def _show(ctx: Context, meeting: Meeting, latest: Minutes) -> Reply:
    text = _render(ctx, meeting, latest, parse_markers(latest.body), _numbers(ctx, meeting))
    hint = f"\n\nEarlier versions: minutes #{meeting.id} history" if latest.version > 1 else ""
    return Reply(title=f"Minutes of meeting #{meeting.id}", text=text + hint)


def _history(ctx: Context, meeting: Meeting) -> Reply:
    versions = ctx.session.exec(
        select(Minutes).where(Minutes.meeting_id == meeting.id)
        .order_by(Minutes.version.desc())  # type: ignore[attr-defined]
    ).all()
    if not versions:
        return Reply(text=f"Meeting #{meeting.id} has no minutes yet.")
    numbers = _numbers(ctx, meeting)
    parts = [_render(ctx, meeting, v, parse_markers(v.body), numbers if n == 0 else None)
             for n, v in enumerate(versions)]
    return Reply(title=f"Minutes of meeting #{meeting.id}: {counted(len(versions), 'version')}",
                 text="\n\n----------\n\n".join(parts))


@form(MINUTES_FORM, fields=(MEETING_FIELD, BODY_FIELD), refs=(MEETING_FIELD,))
def _minutes_command(_: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"minutes {values[MEETING_FIELD]} {values[BODY_FIELD]}"


@form(MEETING_MINUTES_FORM, params=(MEETING_FIELD,), fields=(BODY_FIELD,))
def _meeting_minutes_command(params: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"minutes #{params[MEETING_FIELD]} {values[BODY_FIELD]}"


@form(REPLACE_FORM, params=(MEETING_FIELD,), fields=(BODY_FIELD,))
def _replace_command(params: Mapping[str, int], values: Mapping[str, str]) -> str:
    return f"minutes #{params[MEETING_FIELD]} {REPLACE} {values[BODY_FIELD]}"


def _body_field(initial: str = "") -> FormField:
    return FormField(BODY_FIELD, "Minutes", multiline=True, max_length=BODY_MAX_LENGTH,
                     initial=initial,
                     placeholder="#attendees RCO IOM ILO\n#topic ...\n#agreed ...\n"
                                 "#action ILO ... due 30 Jun 2031")


def _meeting_form(ctx: Context, meeting: Meeting) -> Reply:
    """The form for the minutes of one held meeting: only the body is asked. It starts with
    the agencies that said they would attend (``meeting attend``), to be corrected to those
    who did."""
    _require_held(ctx, meeting)
    assert meeting.id is not None
    said_yes = attending_agencies(ctx.session, meeting.id)
    initial = f"#{Marker.ATTENDEES.value} {' '.join(said_yes)}\n" if said_yes else ""
    text = (f"Write the minutes of meeting #{meeting.id} ({meeting.title}) with markers: "
            f"{MARKERS}.\nOr type: minutes #{meeting.id} {EXAMPLE_BODY}")
    if said_yes:
        text += (f"\n#attendees starts with the agencies that said they attend "
                 f"({' '.join(said_yes)}): correct it to those who did.")
    return Reply(
        title=f"Post minutes of meeting #{meeting.id}", text=text,
        form=Form(f"Minutes of meeting #{meeting.id}", MEETING_MINUTES_FORM,
                  [_body_field(initial)], params={MEETING_FIELD: meeting.id},
                  submit_label="Post"),
    )


def _form(ctx: Context) -> Reply:
    _require_secretariat(ctx)
    held = ctx.session.exec(
        select(Meeting).where(Meeting.status == MeetingStatus.SCHEDULED,
                              Meeting.starts_at <= ctx.now)
        .order_by(Meeting.starts_at.desc()).limit(RECENT_MEETINGS)  # type: ignore[attr-defined]
    ).all()
    if not held:
        raise UserError("No meeting has been held yet, so there are no minutes to write.",
                        "agenda")
    zone = ctx.config.network.zone
    options = [(f"#{m.id}", f"#{m.id} {m.title} — {show_date(m.starts_at, zone)}") for m in held]
    return Reply(
        title="Post minutes",
        text=f"Write the minutes with markers: {MARKERS}.\nOr type: {EXAMPLE}",
        form=Form("Post minutes", MINUTES_FORM, [
            FormField(MEETING_FIELD, "Meeting", options=options, initial=options[0][0]),
            _body_field(),
        ], submit_label="Post"),
    )


def _latest(ctx: Context, meeting: Meeting) -> Minutes | None:
    return ctx.session.exec(
        select(Minutes).where(Minutes.meeting_id == meeting.id)
        .order_by(Minutes.version.desc()).limit(1)  # type: ignore[attr-defined]
    ).first()


def _require_secretariat(ctx: Context) -> None:
    if not ctx.actor.has(Role.SECRETARIAT):
        raise UserError(f"Only the Secretariat ({ctx.config.network.secretariat}) posts "
                        "minutes. Read them with minutes #N.", "minutes #3")


def _known_agencies(ctx: Context) -> dict[str, int]:
    rows = ctx.session.exec(select(Agency.code, Agency.id).where(Agency.active)).all()
    return {code: agency_id for code, agency_id in rows if agency_id is not None}


def _check_codes(codes: list[str], agencies: dict[str, int], entry: Entry) -> None:
    unknown = [c for c in codes if c not in agencies]
    if unknown:
        raise UserError(f"#{entry.marker.value}: unknown agency {', '.join(unknown)}. "
                        f"Known agencies: {', '.join(sorted(agencies))}.",
                        ACTION_EXAMPLE if entry.marker is Marker.ACTION
                        else "minutes #3 #attendees RCO IOM ILO")


def _dues(ctx: Context, entries: list[Entry]) -> dict[Entry, datetime]:
    """The due date of each action entry that gives one."""
    return {entry: _due(ctx, entry) for entry in entries if entry.due}


def _due(ctx: Context, entry: Entry) -> datetime:
    try:
        return understand_when(entry.due, zone=ctx.config.network.zone, now=ctx.now,
                               require_time=False, example="30 Jun 2031")
    except UserError as problem:
        raise UserError(f"The due date of the action for {entry.agency} ('{entry.due}'): "
                        f"{problem.problem}", ACTION_EXAMPLE) from None


def _count(numbers: list[int], noun: str) -> str:
    if not numbers:
        return f"no {noun}s"
    listed = ", ".join(f"#{n}" for n in numbers)
    return f"{len(numbers)} {noun}{'s' if len(numbers) != 1 else ''} ({listed})"

