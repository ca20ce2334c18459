"""Partner organisations (civil society, government counterparts) in working groups.

The ToR lets other partners take part in a working group "upon consultation": they see and add
agenda items for their groups' meetings and get those reminders, but do not vote in the
Network's consensus polls.
"""

from sqlmodel import col, select

from handlers.core import Context, Reply, Role, UserError, bold
from handlers.grammar import NAME_LIMIT, check_text, refuse_arguments, take_quoted
from handlers.registry import command
from handlers.roster.roster import record_change
from storage.models import Partner, Person, WGPartner, WorkingGroup

ADD_EXAMPLE = 'partners add "Lao Women\'s Union" to wg:protection'


@command(
    "partners add",
    summary="Register a partner organisation, optionally in a working group",
    usage='partners add "<organisation>" [to wg:<slug>]',
    example=ADD_EXAMPLE,
    detail="The Secretariat registers partners; a working group's chairs may add partners to "
           "their group.",
)
def partners_add(ctx: Context, args: str) -> Reply:
    organisation, rest = take_quoted(args)
    if not organisation:
        raise UserError("Give the organisation's name in quotes.")
    organisation = check_text(organisation, what="organisation's name", max_length=NAME_LIMIT)
    wg = _target_group(ctx, rest)
    if not (ctx.actor.has(Role.SECRETARIAT) or (wg is not None and ctx.actor.chairs_wg(wg.slug))):
        raise UserError("Only the Secretariat, or a working group's chairs for their own group, "
                        "can add partners.")
    partner = ctx.session.exec(
        select(Partner).where(Partner.organisation == organisation)).first()
    if partner is None:
        ctx.session.add(Partner(organisation=organisation, created_at=ctx.now))
    elif wg is None:
        raise UserError(f"{organisation} is already a partner.")
    if wg is None:
        record_change(ctx, "partner.added", organisation)
        return Reply(text=f"{organisation} is now a partner of the Network. Add it to a working "
                          f'group with: partners add "{organisation}" to wg:<slug>')
    assert wg.id is not None
    if ctx.session.get(WGPartner, (wg.id, organisation)) is not None:
        raise UserError(f"{organisation} is already a partner in {wg.slug}.", "wg " + wg.slug)
    ctx.session.add(WGPartner(wg_id=wg.id, organisation=organisation))
    record_change(ctx, "partner.added", organisation, f"to wg:{wg.slug}")
    return Reply(text=f"{organisation} now takes part in {wg.name} ({wg.slug}). Add its people "
                      f'with: people add @someone partner:"{organisation}"')


def _target_group(ctx: Context, rest: str) -> WorkingGroup | None:
    if not rest:
        return None
    words = rest.split()
    if len(words) != 2 or words[0].lower() != "to" or not words[1].lower().startswith("wg:"):
        raise UserError(f"I did not understand '{rest}'; write to wg:<slug>.")
    slug = words[1][3:].lower()
    wg = ctx.session.exec(select(WorkingGroup).where(
        WorkingGroup.slug == slug, WorkingGroup.active)).first()
    if wg is None:
        raise UserError(f"There is no working group '{slug}'. Type wg to list them.")
    return wg


@command(
    "partners",
    reads_only=True,
    summary="List partner organisations, their working groups and their people",
    usage="partners",
    example="partners",
    partners=True,
)
def partners_list(ctx: Context, args: str) -> Reply:
    refuse_arguments("partners", args)
    organisations = ctx.session.exec(select(Partner).order_by(Partner.organisation)).all()
    if not organisations:
        how = (f" Add one with: {ADD_EXAMPLE}"
               if ctx.actor.has(Role.SECRETARIAT) or ctx.actor.wg_chairs else "")
        return Reply(title="Partners", text="No partners yet." + how)
    lines = []
    for partner in organisations:
        groups = ctx.session.exec(
            select(WorkingGroup.slug).join(WGPartner, col(WGPartner.wg_id) == WorkingGroup.id)
            .where(WGPartner.organisation == partner.organisation, WorkingGroup.active)
            .order_by(WorkingGroup.slug)).all()
        people = ctx.session.exec(select(Person.name).where(
            Person.partner_org == partner.organisation, Person.active)).all()
        lines.append(f"{bold(partner.organisation)} — working groups: {', '.join(groups) or 'none'}"
                     f"; people: {', '.join(people) or 'none'}")
    return Reply(title="Partners", text="\n".join(lines))
