"""The Reply as plain text, for the shell (and anything else that only has text)."""

from handlers.core import Reply


def render_text(reply: Reply) -> str:
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(reply.text)
    lines += [f"  {label}: {value}" for label, value in reply.fields]
    lines += [f"  [{n}] {choice.label}" for n, choice in enumerate(reply.choices, start=1)]
    if reply.choices:
        lines.append("  (type a number to choose)")
    lines += [f"  file: {attachment.filename}" for attachment in reply.files]
    for post in reply.posts:
        lines.append(f"-- posted to the {post.audience} channels --")
        lines.append(render_text(post.reply))
    return "\n".join(lines)
