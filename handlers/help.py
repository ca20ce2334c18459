"""``help`` and ``help <verb>``."""

import difflib

from handlers.core import Context, Reply, UserError, bold
from handlers.registry import REGISTRY, command, commands_of, verbs


@command(
    "help",
    reads_only=True,
    summary="List every command, or explain one",
    usage="help [verb]",
    example="help agenda",
    detail="Without a verb, one line per command. With a verb, its forms and examples.",
    public=True,
)
def help_command(ctx: Context, args: str) -> Reply:
    wanted = args.strip().lower().removeprefix("/network").strip()
    if not wanted:
        return _overview(ctx)
    verb = wanted.split()[0]
    specs = commands_of(verb)
    if not specs:
        close = difflib.get_close_matches(verb, verbs(), n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise UserError(f"There is no command '{verb}'.{hint}")
    lines = []
    for spec in specs:
        detail = f" {spec.detail}" if spec.detail else ""
        lines.append(f"{bold(spec.usage)}\n{spec.summary}.{detail}")
        lines.append(f"Example: {spec.example}")
        lines.append("")
    return Reply(title=f"help {verb}", text="\n".join(lines).strip())


def _overview(ctx: Context) -> Reply:
    """Every command; for a partner's person, only those partners may use."""
    partner = ctx.actor.partner
    whose = f"you can use as a partner ({partner})" if partner else \
        f"of {ctx.config.network.name}"
    lines = [f"Commands {whose} (type them after /network in Slack, @Network in Teams, or as "
             "they are in the shell):", ""]
    for spec in sorted(REGISTRY.values(), key=lambda s: s.name):
        if partner is None or spec.partners or spec.public:
            lines.append(f"{bold(spec.usage)} — {spec.summary}. e.g. {spec.example}")
    lines += ["", "Type help <verb> for details, e.g. help agenda."]
    return Reply(title="help", text="\n".join(lines))
