"""Forms: declared once by their domain, rebuilt by the server when they are submitted.

A handler answers with a ``Form`` naming a definition registered here (``@form``) and the
record numbers it is about (``params``, e.g. the poll); a button (``Choice``, made with
``button``) names one too, with the values it submits. A platform carries back only that id,
those numbers and the values typed, and ``command_for`` rebuilds the command line from the
definition: the values are data, put into the line as a person would type them, never a
template, a format string or a command from the client. A form the server does not define, a
parameter that is not a record number, a missing field or a value that is not text is refused
with a friendly reply, and nothing changes.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.core import Choice, UserError

Build = Callable[[Mapping[str, int], Mapping[str, str]], str]

# Keys a platform's submit data uses for the form itself; no field may be named like them.
RESERVED = frozenset({"form", "params", "command"})
NOT_OURS = ("This button or form is not one the bot can take (it may come from an older "
            "version of the bot), so nothing was done. Please run the command again.")
_REF = re.compile(r"#\d{1,9}")


@dataclass(frozen=True)
class FormSpec:
    id: str
    params: tuple[str, ...]  # record numbers the form is about
    fields: tuple[str, ...]  # the inputs, in order
    refs: tuple[str, ...]  # fields whose value must be a record reference (#N)
    build: Build


FORMS: dict[str, FormSpec] = {}


def form(id: str, *, fields: tuple[str, ...], params: tuple[str, ...] = (),
         refs: tuple[str, ...] = ()) -> Callable[[Build], Build]:
    """Register how the form ``id`` becomes a command line."""
    def register(build: Build) -> Build:
        if id in FORMS:
            raise RuntimeError(f"form '{id}' is registered twice")
        if RESERVED & set(fields) or not set(refs) <= set(fields):
            raise RuntimeError(f"form '{id}': bad field names {fields}")
        FORMS[id] = FormSpec(id, params, fields, refs, build)
        return build

    return register


def spec_of(form_id: object) -> FormSpec:
    """The definition of a submitted form, or a refusal."""
    found = FORMS.get(form_id) if isinstance(form_id, str) else None
    if found is None:
        raise UserError(NOT_OURS, "help")
    return found


def form_fields(form_id: str) -> tuple[str, ...]:
    """The inputs of a form the server defines (none for one it does not)."""
    found = FORMS.get(form_id)
    return found.fields if found else ()


def command_for(form_id: object, params: object, values: Mapping[str, Any]) -> str:
    """The command line a submitted form stands for, rebuilt from the server's definition."""
    spec = spec_of(form_id)
    numbers = params if isinstance(params, dict) else {}
    try:
        checked = {name: int(numbers[name]) for name in spec.params
                   if isinstance(numbers.get(name), int | str)}
    except ValueError:
        checked = {}
    if set(checked) != set(spec.params) or any(n < 1 for n in checked.values()):
        raise UserError(NOT_OURS, "help")
    typed = {}
    for name in spec.fields:
        value = values.get(name, "")
        if not isinstance(value, str):
            raise UserError(NOT_OURS, "help")
        typed[name] = value.strip()
    for name in spec.refs:
        if not _REF.fullmatch(typed[name]):
            raise UserError(f"'{typed[name]}' is not a record number; choose one from the "
                            "list.", "help", about=name)
    return spec.build(checked, typed)


def button(label: str, form_id: str, *, params: Mapping[str, int] | None = None,
           values: Mapping[str, str] | None = None, style: str | None = None,
           row: int = 0) -> Choice:
    """A button that submits the form ``form_id`` about ``params`` with ``values``; checked
    against the form's definition here, so a wrong button fails where it is made."""
    spec = FORMS.get(form_id)
    params, values = dict(params or {}), dict(values or {})
    if spec is None or set(params) != set(spec.params) or set(values) != set(spec.fields):
        raise RuntimeError(f"button '{label}': not a submission of a defined form {form_id!r}")
    return Choice(label, form_id, params, values, style, row)


def answer_buttons(form_id: str, params: Mapping[str, int], field: str,
                   answers: tuple[tuple[str, str | None], ...]) -> list[Choice]:
    """One button per answer (label, style), each submitting its label in lower case as
    ``field`` of the form ``form_id`` about ``params`` (a poll's Agree / Abstain / Object)."""
    return [button(label, form_id, params=params, values={field: label.lower()}, style=style)
            for label, style in answers]


BUTTON_VALUE_LIMIT = 2000


def encoded(choice: Choice) -> str:
    """A button's submission as one short text, for platforms whose button value is a string
    (Slack's is at most ``BUTTON_VALUE_LIMIT`` characters); ``decoded`` reads it back."""
    return json.dumps({"form": choice.form, "params": choice.params, "values": choice.values},
                      ensure_ascii=False, separators=(",", ":"))


def decoded(value: str) -> tuple[object, object, dict[str, Any]]:
    """The form id, params and values of an ``encoded`` button; for anything else (a button
    of an older version, or not ours), values that ``command_for`` refuses."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
        return None, None, {}
    return data.get("form"), data.get("params"), data["values"]
