"""What every renderer cuts a reply into: text in pieces of a platform's size, and the one line
a notification shows.

Each platform keeps its own limits (Slack's 3,000-character sections, Teams' TextBlocks within
a 28 KB card); how text is cut at those limits and which line stands for a reply is decided
here, once.
"""

from handlers.core import BOLD_CLOSE, BOLD_OPEN, Reply, unmarked

ZWSP = "\u200b"  # zero-width space (Slack's renderer puts one after mrkdwn's marks)


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a line break, else at a space.

    A piece never ends inside an escape entity such as ``&amp;`` or before a zero-width space,
    and bold cut in two is closed at the end of one piece and opened again in the next.
    """
    pieces: list[str] = []
    room = limit - 1  # for the bold marker that may close the piece
    while len(text) > room:
        cut = text.rfind("\n", 0, room + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, room + 1)
        if cut > 0:
            piece, text = text[:cut], text[cut + 1:]
        else:
            cut = room - (text[room] == ZWSP)
            entity = text.rfind("&", cut - 4, cut)
            if entity > 0 and ";" not in text[entity:cut]:
                cut = entity
            piece, text = text[:cut], text[cut:]
        if piece.rfind(BOLD_OPEN) > piece.rfind(BOLD_CLOSE):
            piece, text = piece + BOLD_CLOSE, BOLD_OPEN + text
        pieces.append(piece)
    pieces.append(text)
    return [piece for piece in pieces if unmarked(piece).strip()]


def headline(reply: Reply) -> str:
    """The reply's title, else its first line with text, plain: what a notification shows."""
    first = reply.title or next((line for line in reply.text.splitlines() if line.strip()), "")
    return unmarked(first).strip()
