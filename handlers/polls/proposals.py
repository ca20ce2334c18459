"""What a poll proposes: reading ``poll wg ...`` lines and checking them against the registry.

A proposal is a kind (``wg.create``, ``wg.dissolve``, ``wg.replace``, ``wg.rename``,
``wg.chairs``, ``wg.members`` or ``statement``) and its parameters (plain JSON, stored on the
poll). ``describe`` checks the parameters against the working groups and agencies as they are
now and words the question; it runs when the poll opens and again before an adopted change is
applied.
"""

import re
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from handlers.core import UserError
from handlers.grammar import NAME_LIMIT, check_text, take_quoted
from handlers.wording import plural
from storage.models import Agency, WGAgency, WGRole, WorkingGroup

STATEMENT = "statement"
MANDATE_LIMIT = 2000
SLUG_LIMIT = 40

EXAMPLES = {
    "create": 'poll wg create "Migration Data" Improve and share migration statistics',
    "dissolve": "poll wg dissolve labour-migration",
    "replace": 'poll wg replace protection with "Protection and Counter-Trafficking"',
    "rename": 'poll wg rename protection "Protection of Migrants"',
    "chairs": "poll wg chairs protection IOM,UNHCR",
    "members": "poll wg members labour-migration +UNICEF -WORLD-BANK",
}

Params = dict[str, Any]


def slugify(name: str) -> str:
    """``"Migration Data & Research"`` -> ``migration-data-research``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:SLUG_LIMIT].rstrip("-")


def parse_wg(args: str) -> tuple[str, Params]:
    """``create "Name" mandate`` -> (``wg.create``, params), or a refusal with an example."""
    sub, _, rest = args.strip().partition(" ")
    parser = _PARSERS.get(sub.lower())
    if parser is None:
        said = f"'poll wg {sub}' is not" if sub else "'poll wg' needs"
        raise UserError(f"{said} a working-group change: use create, dissolve, replace, rename, "
                        "chairs or members.", EXAMPLES["create"])
    return f"wg.{sub.lower()}", parser(rest.strip())


def touched_slugs(params: Params) -> set[str]:
    """The working-group slugs a proposal changes or creates."""
    return {params[k] for k in ("slug", "new_slug") if params.get(k)}


def _name_and_rest(text: str, example: str) -> tuple[str, str]:
    name, rest = take_quoted(text)
    if name is None:
        raise UserError("Put the working group's name in quotes.", example)
    name = check_text(name, what="working group name", example=example, max_length=NAME_LIMIT)
    if not slugify(name):
        raise UserError(f"'{name}' has no letters or digits to make a short name from.", example)
    return name, rest


def _mandate(text: str, example: str) -> str | None:
    if not text:
        return None
    return check_text(text, what="mandate", example=example, max_length=MANDATE_LIMIT)


def _slug_and_rest(text: str, example: str) -> tuple[str, str]:
    slug, _, rest = text.partition(" ")
    if not slug:
        raise UserError("Name the working group by its short name (type wg to list them).",
                        example)
    return slug.lower(), rest.strip()


def _nothing_more(rest: str, example: str) -> None:
    if rest:
        raise UserError(f"I did not expect '{rest}' there.", example)


def _parse_create(text: str) -> Params:
    example = EXAMPLES["create"]
    name, rest = _name_and_rest(text, example)
    return {"name": name, "slug": slugify(name), "mandate": _mandate(rest, example)}


def _parse_dissolve(text: str) -> Params:
    example = EXAMPLES["dissolve"]
    slug, rest = _slug_and_rest(text, example)
    _nothing_more(rest, example)
    return {"slug": slug}


def _parse_replace(text: str) -> Params:
    example = EXAMPLES["replace"]
    slug, rest = _slug_and_rest(text, example)
    word, _, rest = rest.partition(" ")
    if word.lower() != "with":
        raise UserError("Write 'with' and the new working group's name in quotes after the "
                        "working group to replace.", example)
    name, rest = _name_and_rest(rest, example)
    return {"slug": slug, "name": name, "new_slug": slugify(name),
            "mandate": _mandate(rest, example)}


def _parse_rename(text: str) -> Params:
    example = EXAMPLES["rename"]
    slug, rest = _slug_and_rest(text, example)
    name, rest = _name_and_rest(rest, example)
    _nothing_more(rest, example)
    return {"slug": slug, "name": name}


def _parse_chairs(text: str) -> Params:
    example = EXAMPLES["chairs"]
    slug, rest = _slug_and_rest(text, example)
    codes = [c.upper() for c in re.split(r"[,\s]+", rest) if c]
    if not codes:
        raise UserError("Name the chair agencies, separated by commas.", example)
    if len(set(codes)) != len(codes):
        raise UserError("An agency is named twice.", example)
    return {"slug": slug, "chairs": codes}


def _parse_members(text: str) -> Params:
    example = EXAMPLES["members"]
    slug, rest = _slug_and_rest(text, example)
    changes = rest.split()
    if not changes:
        raise UserError("Say which agencies join (+CODE) or leave (-CODE).", example)
    bad = [c for c in changes if c[0] not in "+-" or len(c) < 2]
    if bad:
        raise UserError(f"Write each agency as +CODE to add it or -CODE to remove it, not "
                        f"'{bad[0]}'.", example)
    add = [c[1:].upper() for c in changes if c[0] == "+"]
    remove = [c[1:].upper() for c in changes if c[0] == "-"]
    if len(set(add + remove)) != len(add + remove):
        raise UserError("An agency is named twice.", example)
    return {"slug": slug, "add": add, "remove": remove}


_PARSERS: dict[str, Callable[[str], Params]] = {
    "create": _parse_create, "dissolve": _parse_dissolve, "replace": _parse_replace,
    "rename": _parse_rename, "chairs": _parse_chairs, "members": _parse_members,
}


def active_wg(session: Session, slug: str, example: str) -> WorkingGroup:
    wg = session.exec(select(WorkingGroup).where(WorkingGroup.slug == slug,
                                                 WorkingGroup.active)).first()
    if wg is None:
        raise UserError(f"There is no active working group '{slug}'. Type wg to list them.",
                        example)
    return wg


def agencies_named(session: Session, codes: list[str], example: str) -> list[Agency]:
    """The active agencies with these codes, in the order given, or a refusal."""
    found = {a.code: a for a in session.exec(select(Agency).where(Agency.active)).all()}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise UserError(f"{_are(unknown)} not among the member agencies: "
                        f"{', '.join(found)}.", example)
    return [found[c] for c in codes]


def _chairs(codes: list[str]) -> str:
    """``chair`` for one agency, ``chairs`` for more."""
    return plural(len(codes), "chair")


def _are(codes: list[str]) -> str:
    """``ILO is`` / ``ILO, WHO are``."""
    return f"{', '.join(codes)} {'is' if len(codes) == 1 else 'are'}"


def _other(members: list[str], leaving: list[str]) -> str:
    """A member that stays, to suggest as a chair in an example."""
    return next((c for c in members if c not in leaving), "IOM")


def _free_slug(session: Session, slug: str, example: str) -> None:
    taken = session.exec(select(WorkingGroup).where(WorkingGroup.slug == slug)).first()
    if taken is not None:
        owner = f"\"{taken.name}\"" if taken.active else \
            f"the dissolved working group \"{taken.name}\""
        raise UserError(f"The short name '{slug}' is already used by {owner}; choose a "
                        "different name.", example)


def _with_mandate(text: str, params: Params) -> str:
    return f"{text} Mandate: {params['mandate']}" if params.get("mandate") else text


def describe(session: Session, kind: str, params: Params) -> str:
    """The question a proposal asks, after checking it against the registry as it is now."""
    if kind == STATEMENT:
        return str(params["text"])
    sub = kind.removeprefix("wg.")
    example = EXAMPLES[sub]
    if sub == "create":
        _free_slug(session, params["slug"], example)
        return _with_mandate(f"Create the working group \"{params['name']}\" "
                             f"({params['slug']}).", params)
    wg = active_wg(session, params["slug"], example)
    if sub == "dissolve":
        return f"Dissolve the working group \"{wg.name}\" ({wg.slug})."
    if sub == "replace":
        _free_slug(session, params["new_slug"], example)
        return _with_mandate(f"Replace the working group \"{wg.name}\" ({wg.slug}) with a new "
                             f"working group \"{params['name']}\" ({params['new_slug']}); its "
                             "chairs, members and partners carry over.", params)
    if sub == "rename":
        if params["name"] == wg.name:
            raise UserError(f"The working group {wg.slug} is already called \"{wg.name}\".",
                            example)
        return f"Rename the working group \"{wg.name}\" ({wg.slug}) to \"{params['name']}\"."
    if sub == "chairs":
        return _describe_chairs(session, wg, params["chairs"], example)
    return _describe_members(session, wg, params["add"], params["remove"], example)


def _describe_chairs(session: Session, wg: WorkingGroup, chairs: list[str], example: str) -> str:
    agencies_named(session, chairs, example)
    if sorted(chairs) == sorted(seats(session, wg, WGRole.CHAIR)):
        raise UserError(f"{_are(chairs)} already the {_chairs(chairs)} of {wg.slug}.", example)
    joining = [c for c in chairs if c not in seats(session, wg, WGRole.MEMBER)]
    text = (f"Make {', '.join(chairs)} the {_chairs(chairs)} of the working group "
            f"\"{wg.name}\" ({wg.slug}).")
    if joining:
        text += f" {', '.join(joining)} also {'joins' if len(joining) == 1 else 'join'} it."
    return text


def _describe_members(
    session: Session, wg: WorkingGroup, add: list[str], remove: list[str], example: str
) -> str:
    agencies_named(session, add + remove, example)
    members = seats(session, wg, WGRole.MEMBER)
    already = [c for c in add if c in members]
    if already:
        raise UserError(f"{_are(already)} already in {wg.slug}.", example)
    outside = [c for c in remove if c not in members]
    if outside:
        raise UserError(f"{_are(outside)} not in {wg.slug}, so cannot leave it.", example)
    chairing = [c for c in remove if c in seats(session, wg, WGRole.CHAIR)]
    if chairing:
        raise UserError(f"{_are(chairing)} chairing {wg.slug}; change its chairs first.",
                        f"poll wg chairs {wg.slug} {_other(members, chairing)}")
    parts = ([f"add {', '.join(add)}"] if add else []) + (
        [f"remove {', '.join(remove)}"] if remove else [])
    return f"Change the members of the working group \"{wg.name}\" ({wg.slug}): " \
           f"{'; '.join(parts)}."


def seats(session: Session, wg: WorkingGroup, role: WGRole) -> list[str]:
    """Agency codes holding a working group's chair or member seats, in roster order."""
    return list(session.exec(
        select(Agency.code).join(WGAgency, col(WGAgency.agency_id) == Agency.id)
        .where(WGAgency.wg_id == wg.id, WGAgency.role == role).order_by(col(Agency.id))
    ).all())
