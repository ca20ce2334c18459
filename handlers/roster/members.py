"""Who is who: ``whoami``, ``members``, ``wg`` and the GCM ``objectives``."""

from sqlmodel import col, select

from handlers.core import Context, Reply, Role, UserError, bold
from handlers.grammar import refuse_arguments
from handlers.polls.proposals import seats
from handlers.registry import command
from storage.models import Agency, Objective, Person, WGPartner, WGRole, WorkingGroup


@command(
    "whoami",
    reads_only=True,
    summary="Show who the bot thinks you are: person, agency and roles",
    usage="whoami",
    example="whoami",
    public=True,
)
def whoami(ctx: Context, args: str) -> Reply:
    refuse_arguments("whoami", args)
    actor = ctx.actor
    if not actor.on_roster:
        return Reply(text=f"You are {actor.name or 'unknown'}, not on the roster of "
                          f"{ctx.config.network.name}. Ask the Secretariat "
                          f"({ctx.config.network.secretariat}) to add you.")
    agency = ctx.session.exec(select(Agency).where(Agency.code == actor.agency)).first()
    roles = [r.value.capitalize() for r in (Role.CHAIR, Role.SECRETARIAT) if actor.has(r)]
    roles.append("partner in " + (", ".join(sorted(actor.partner_wgs)) or "no working group")
                 if actor.is_partner else "member")
    fields = [("Agency", f"{agency.code} — {agency.name}" if agency
               else f"partner: {actor.partner}"),
              ("Roles", ", ".join(roles))]
    if actor.wg_chairs:
        fields.append(("Chairs working groups", ", ".join(sorted(actor.wg_chairs))))
    return Reply(title="whoami", text=f"You are {actor.name}.", fields=fields)


@command(
    "members",
    reads_only=True,
    summary="List the member agencies, their focal points, the Chair and the Secretariat",
    usage="members",
    example="members",
    partners=True,
)
def members(ctx: Context, args: str) -> Reply:
    refuse_arguments("members", args)
    network = ctx.config.network
    agencies = ctx.session.exec(select(Agency).where(Agency.active).order_by(col(Agency.id))).all()
    people = ctx.session.exec(select(Person).where(Person.active).order_by(col(Person.id))).all()
    by_agency: dict[int | None, list[str]] = {}
    for person in people:
        by_agency.setdefault(person.agency_id, []).append(person.name)
    lines = []
    for agency in agencies:
        role = {network.chair: " (Chair)", network.secretariat: " (Secretariat)"}.get(
            agency.code, "")
        focal = ", ".join(by_agency.get(agency.id, [])) or "no focal point yet"
        lines.append(f"{bold(agency.code)}{role} — {agency.name}: {focal}")
    lines.append("")
    lines.append(f"{len(agencies)} member agencies. Chair: {network.chair}. "
                 f"Secretariat and Coordinator: {network.secretariat}.")
    return Reply(title=f"Members of {network.name}", text="\n".join(lines))


@command(
    "wg",
    reads_only=True,
    summary="List the working groups with their chairs and members",
    usage="wg [slug]",
    example="wg labour-migration",
    partners=True,
)
def working_groups(ctx: Context, args: str) -> Reply:
    query = select(WorkingGroup).where(WorkingGroup.active).order_by(WorkingGroup.slug)
    if args.strip():
        query = query.where(WorkingGroup.slug == args.strip().lower())
    groups = ctx.session.exec(query).all()
    if args.strip() and not groups:
        raise UserError(f"There is no working group '{args.strip()}'. Type wg to list them.")
    if not groups:
        return Reply(title="Working groups", text="There are no working groups yet.")
    lines = []
    for wg in groups:
        chairs = seats(ctx.session, wg, WGRole.CHAIR)
        members_ = seats(ctx.session, wg, WGRole.MEMBER)
        partners = ctx.session.exec(
            select(WGPartner.organisation).where(WGPartner.wg_id == wg.id)).all()
        lines.append(f"{bold(wg.name)} ({wg.slug})")
        lines.append(f"  chairs: {', '.join(chairs) or 'none'}; members: "
                     f"{', '.join(members_) or 'none'}")
        if partners:
            lines.append(f"  partners: {', '.join(sorted(partners))}")
        if wg.mandate:
            lines.append(f"  mandate: {wg.mandate}")
    return Reply(title="Working groups", text="\n".join(lines))


@command(
    "objectives",
    reads_only=True,
    summary="List the 23 objectives of the Global Compact for Migration (GCM)",
    usage="objectives [number]",
    example="objectives 6",
    partners=True,
)
def objectives(ctx: Context, args: str) -> Reply:
    query = select(Objective).order_by(col(Objective.number))
    wanted = args.strip().lstrip("#")
    if wanted:
        if not (wanted.isascii() and wanted.isdigit()):  # "²" is a digit that int() refuses
            raise UserError(f"'{args.strip()}' is not an objective number.")
        if int(wanted) not in ctx.config.objectives:  # nor send the database a huge number
            raise _no_objective(ctx, wanted)
        query = query.where(Objective.number == int(wanted))
    found = ctx.session.exec(query).all()
    if not found:
        raise _no_objective(ctx, wanted)
    lines = [f"{o.number}. {o.text}" for o in found]
    return Reply(title="GCM objectives", text="\n".join(lines))


def _no_objective(ctx: Context, wanted: str) -> UserError:
    total = len(ctx.config.objectives)
    return UserError(f"There is no objective {wanted}; they are numbered 1 to {total}.")
