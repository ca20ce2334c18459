"""The plain text of a Teams message, from the HTML Teams gives a message extension.

A message action's ``messagePayload.body`` is ``{"contentType": "html", "content": ...}``:
paragraphs and line breaks as ``<p>``, ``<div>`` and ``<br>``, mentions as ``<at id="0">Jane
Doe</at>``, links as ``<a href=...>``, emoji as ``<img alt="😀">``, and entities (``&amp;``,
``&nbsp;``). The text is what the person saw: lines for blocks, ``@Jane Doe`` for a mention,
a link's words (as ``bot.slack_text`` reads a Slack link), an emoji's ``alt``, nothing of tags,
scripts or styles.
"""

import re
from html.parser import HTMLParser

_BLOCKS = frozenset({"p", "div", "li", "tr", "ul", "ol", "table", "blockquote", "pre", "h1",
                     "h2", "h3", "h4", "h5", "h6", "hr"})
_HIDDEN = frozenset({"script", "style", "head", "title"})
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")  # HTML collapses them; &nbsp; is shown as one


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.hidden = 0

    def _break(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.lines.append("")
        elif tag in _BLOCKS:
            self._break()
            if tag == "li":
                self.lines[-1] = "- "
        elif tag == "at":
            self.handle_data("@")
        elif tag == "img":
            self.handle_data(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.lines[-1] += _SPACES.sub(" ", data)


def html_to_text(html: str) -> str:
    """The message's text as plain lines (no blank line at either end, none doubled)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [re.sub(" +", " ", line).strip() for line in parser.lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
