"""Focal points from chat: ``people add``, ``people remove``, ``people move``.

The Secretariat manages everyone; an agency's own focal points manage their agency's people;
a working group's chairs may add the people of that group's partner organisations. The
identity comes from the platform (a Slack or Teams mention); in the shell a person is named.
"""

from sqlmodel import col, select

from handlers.core import Context, Reply, Role, UserError
from handlers.grammar import NAME_LIMIT, check_text, take_quoted
from handlers.mentions import PersonRef, find_named, take_person
from handlers.people import SHELL
from handlers.registry import command
from handlers.roster.roster import agency_by_code, record_change
from storage.models import (
    Agency,
    Identity,
    Partner,
    Person,
    WGPartner,
    WorkingGroup,
)

PARTNER_PREFIX = "partner:"
# How a person is named on each chat platform, for the refusal of a typed name there.
MENTION_EXAMPLES = {"slack": "people add <@U0123ABC> UNICEF",
                    "teams": "people add @Jane Doe UNICEF (pick Jane from the list)"}


@command(
    "people add",
    summary="Put someone on the roster as a focal point of an agency, or of a partner",
    usage="people add @someone <AGENCY | partner:<organisation>> [name]",
    example='people add @"Jane Doe" ILO',
    detail="In Slack and Teams mention the person; in the shell give their name in quotes. "
           "The Secretariat adds anyone; focal points add people of their own agency.",
    mentions=True,
)
def people_add(ctx: Context, args: str) -> Reply:
    ref, rest = take_person(args)
    platform = ctx.command.where.platform
    if ref.external_id is None and platform != SHELL:
        raise UserError(
            f"'{ref.label}' is typed text, not a mention, so the bot cannot tell which "
            f"{platform.capitalize()} account is theirs. Mention the person: type @ and pick "
            "them from the list.", MENTION_EXAMPLES.get(platform))
    target, name = _take_target(rest)
    if not target:
        raise UserError("Say which agency (or partner:<organisation>) they belong to.")
    name = check_text(name.strip().strip('"“”') or ref.name or ref.external_id or "",
                      what="person's name", max_length=NAME_LIMIT)
    existing = find_named(ctx.session, ref, platform)
    if existing is not None:
        raise UserError(f"{existing.name} is already on the roster; use people move to change "
                        "their agency.", f'people move @"{existing.name}" UNICEF')
    if target.lower().startswith(PARTNER_PREFIX):
        organisation = _partner(ctx, target[len(PARTNER_PREFIX):])
        person = Person(name=name, partner_org=organisation, created_at=ctx.now)
        belongs = f"partner {organisation}"
    else:
        agency = agency_by_code(ctx, target)
        _may_manage(ctx, agency.code, "add focal points of")
        person = Person(name=name, agency_id=agency.id, created_at=ctx.now)
        belongs = agency.code
    ctx.session.add(person)
    ctx.session.flush()
    _attach_identity(ctx, person, ref, platform)
    record_change(ctx, "person.added", person.name, belongs)
    return Reply(text=f"{person.name} is now on the roster ({belongs}).")


@command(
    "people remove",
    summary="Take someone off the roster",
    usage="people remove @someone",
    example='people remove @"Jane Doe"',
    mentions=True,
)
def people_remove(ctx: Context, args: str) -> Reply:
    person = _named(ctx, args)
    code = _agency_code(ctx, person)
    _may_manage(ctx, code, "remove focal points of")
    secretariat = ctx.config.network.secretariat
    if code == secretariat and len(_focal_points(ctx, person.agency_id)) == 1:
        raise UserError(f"{person.name} is the Secretariat's last focal point; add another "
                        f"{secretariat} focal point first.",
                        f'people add @"New Person" {secretariat}')
    person.active = False
    record_change(ctx, "person.removed", person.name, code or person.partner_org or "")
    return Reply(text=f"{person.name} is no longer on the roster.")


@command(
    "people move",
    summary="Make someone a focal point of another agency",
    usage="people move @someone <AGENCY>",
    example='people move @"Jane Doe" UNICEF',
    mentions=True,
)
def people_move(ctx: Context, args: str) -> Reply:
    ref, rest = take_person(args)
    person = _require(ctx, ref)
    agency = agency_by_code(ctx, rest.strip())
    current = _agency_code(ctx, person)
    _may_manage(ctx, current, "move focal points of")
    if current == agency.code:
        raise UserError(f"{person.name} is already with {agency.code}.")
    record_change(ctx, "person.moved", person.name,
                  f"{current or person.partner_org} → {agency.code}")
    person.agency_id, person.partner_org = agency.id, None
    return Reply(text=f"{person.name} is now a focal point of {agency.code}.")


def _take_target(rest: str) -> tuple[str, str]:
    """``ILO [name]`` or ``partner:"Lao Women's Union" [name]`` -> (target, name)."""
    if rest.lower().startswith(PARTNER_PREFIX):
        organisation, name = take_quoted(rest[len(PARTNER_PREFIX):])
        if organisation:
            return PARTNER_PREFIX + organisation, name
    target, _, name = rest.partition(" ")
    return target, name


def _may_manage(ctx: Context, code: str | None, what: str) -> None:
    if ctx.actor.has(Role.SECRETARIAT) or (code is not None and ctx.actor.agency == code):
        return
    raise UserError(f"Only the Secretariat or {code or 'the agency'}'s own focal points can "
                    f"{what} {code or 'that organisation'}.", "members")


def _partner(ctx: Context, organisation: str) -> str:
    """A known partner organisation the speaker may add people to."""
    known = ctx.session.exec(select(Partner).where(Partner.organisation == organisation)).first()
    if known is None:
        raise UserError(f"'{organisation}' is not a partner yet; the Secretariat adds it first.",
                        f'partners add "{organisation}" to wg:protection')
    if ctx.actor.has(Role.SECRETARIAT):
        return organisation
    groups = set(ctx.session.exec(
        select(WorkingGroup.slug).join(WGPartner, col(WGPartner.wg_id) == WorkingGroup.id)
        .where(WGPartner.organisation == organisation)).all())
    if not groups & ctx.actor.wg_chairs:
        raise UserError(f"Only the Secretariat or the chairs of {organisation}'s working groups "
                        "can add its people.", "wg")
    return organisation


def _attach_identity(ctx: Context, person: Person, ref: PersonRef, platform: str) -> None:
    if ref.external_id is None or platform == SHELL:
        return
    assert person.id is not None
    taken = ctx.session.exec(select(Identity).where(
        Identity.platform == platform, Identity.external_id == ref.external_id)).first()
    if taken is not None:
        taken.person_id = person.id  # a former, removed person with the same account
    else:
        ctx.session.add(Identity(person_id=person.id, platform=platform,
                                 external_id=ref.external_id))


def _named(ctx: Context, args: str) -> Person:
    ref, rest = take_person(args)
    if rest:
        raise UserError(f"I did not expect '{rest}' after the person.")
    return _require(ctx, ref)


def _require(ctx: Context, ref: PersonRef) -> Person:
    person = find_named(ctx.session, ref, ctx.command.where.platform)
    if person is None:
        raise UserError(f"{ref.label} is not on the roster. Type members to see who is.")
    return person


def _agency_code(ctx: Context, person: Person) -> str | None:
    if person.agency_id is None:
        return None
    agency = ctx.session.get(Agency, person.agency_id)
    return agency.code if agency else None


def _focal_points(ctx: Context, agency_id: int | None) -> list[int | None]:
    return list(ctx.session.exec(select(Person.id).where(
        Person.agency_id == agency_id, Person.active)).all())
