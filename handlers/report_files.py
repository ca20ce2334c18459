"""The report's files: Markdown, CSV exports (UTF-8, header row, ISO dates) and a PNG chart.

CSV files start with a UTF-8 byte order mark so that spreadsheets read Lao script correctly.
The chart is drawn with matplotlib's Agg canvas, without pyplot or a display.
"""

import csv
import io
import textwrap
from functools import lru_cache
from typing import TYPE_CHECKING

from handlers.core import Attachment
from templates import render

if TYPE_CHECKING:
    from handlers.reports import ObjectiveLine, ReportData

CSV_MIME = "text/csv"


def report_files(data: "ReportData") -> list[Attachment]:
    year = data.year
    return [
        Attachment(f"report-{year}.md", render("report.md.j2", r=data).encode() + b"\n",
                   "text/markdown", f"Report {year}"),
        Attachment(f"decisions-{year}.csv", _csv(
            ["number", "date", "decision", "meeting", "poll", "source"],
            [[d.number, d.decided_on.isoformat(), d.text, d.meeting or "", d.poll or "",
              d.source] for d in data.decisions]), CSV_MIME, f"Decisions {year}"),
        Attachment(f"action-items-{year}.csv", _csv(
            ["number", "agency", "task", "meeting", "due", "status", "done", "overdue"],
            [[a.number, a.agency, a.task, a.meeting or "",
              a.due_on.isoformat() if a.due_on else "", a.status,
              a.done_on.isoformat() if a.done_on else "", "yes" if a.overdue else "no"]
             for a in data.actions]), CSV_MIME, f"Action items {year}"),
        Attachment(f"activity-by-objective-{year}.png", activity_chart(data), "image/png",
                   f"Activity per GCM objective, {year}"),
    ]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def activity_chart(data: "ReportData") -> bytes:
    """Agenda items and decisions per GCM objective, as horizontal bars."""
    return _chart(data.network, data.year, tuple(data.objectives))


@lru_cache(maxsize=16)
def _chart(network: str, year: int, lines: "tuple[ObjectiveLine, ...]") -> bytes:
    """The chart's PNG, kept for the same figures: drawing it takes a few hundred ms whatever
    the data (text rendering), so asking for a report again is answered at once."""
    from matplotlib.figure import Figure

    objectives = list(reversed(lines))
    labels = [textwrap.shorten(f"{o.number}. {o.text}", 60, placeholder="…") for o in objectives]
    positions = range(len(objectives))
    figure = Figure(figsize=(11, 1.5 + 0.38 * max(len(objectives), 1)), dpi=100,
                    layout="constrained")
    axes = figure.add_subplot()
    height = 0.4
    for offset, values, label, colour in (
            (height / 2, [o.agenda_items for o in objectives], "Agenda items", "#4C72B0"),
            (-height / 2, [o.decisions for o in objectives], "Decisions", "#DD8452")):
        bars = axes.barh([p + offset for p in positions], values, height, label=label,
                         color=colour)
        axes.bar_label(bars, labels=[str(v) if v else "" for v in values], padding=3,
                       fontsize=8)
    axes.set_yticks(list(positions), labels, fontsize=8)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel("Count")
    axes.set_title(f"{network}: activity per GCM objective, {year}")
    axes.set_ylim(-0.6, len(objectives) - 0.4)
    axes.margins(x=0.08)
    figure.legend(loc="outside lower center", ncols=2)
    axes.grid(axis="x", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
