"""The report's files: Markdown, CSV exports (UTF-8, header row, ISO dates) and a PNG chart.

CSV files start with a UTF-8 byte order mark so that spreadsheets read Lao script correctly.
What members wrote is data in every file: literal text in the Markdown (see ``templates``), and
never a formula in a spreadsheet (``csv_cell``).
"""

import csv
import io
from typing import TYPE_CHECKING

from handlers.core import Attachment
from templates import render

if TYPE_CHECKING:
    from handlers.reports.report_data import ReportData
    from handlers.reports.report_span import SpanReport

CSV_MIME = "text/csv"


def report_files(data: "ReportData") -> list[Attachment]:
    year = data.year
    return [
        Attachment(f"report-{year}.md", render("report.md.j2", r=data).encode() + b"\n",
                   "text/markdown", f"Report {year}"),
        *_record_files(data, str(year)),
    ]


def span_files(span: "SpanReport") -> list[Attachment]:
    """A span's files: its Markdown report and its figures per year, then its decisions,
    action items and chart as for a year (all the span's rows; the chart of its totals)."""
    label = span.label
    years = [str(year.year) for year in span.years]
    return [
        Attachment(f"report-{label}.md",
                   render("report_span.md.j2", s=span, r=span.total).encode() + b"\n",
                   "text/markdown", f"Report {label}"),
        Attachment(f"figures-{label}.csv", _csv(
            ["section", "figure", *years, "total"],
            [[f.section, f.label, *f.values] for f in span.figures]), CSV_MIME,
            f"Figures per year {label}"),
        *_record_files(span.total, label),
    ]


def _record_files(data: "ReportData", label: str) -> list[Attachment]:
    """The decisions and action items as spreadsheets, and the chart of activity per
    objective, of a year or a span (``label``)."""
    # Pillow is loaded with the first report, not at start-up, which it would slow by ~60 ms.
    from handlers.reports.report_chart import activity_chart

    return [
        Attachment(f"decisions-{label}.csv", _csv(
            ["number", "date", "decision", "meeting", "poll", "source"],
            [[d.number, d.decided_on.isoformat(), d.text, d.meeting or "", d.poll or "",
              d.source] for d in data.decisions]), CSV_MIME, f"Decisions {label}"),
        Attachment(f"action-items-{label}.csv", _csv(
            ["number", "agency", "task", "meeting", "due", "status", "done", "overdue"],
            [[a.number, a.agency, a.task, a.meeting or "",
              a.due_on.isoformat() if a.due_on else "", a.status,
              a.done_on.isoformat() if a.done_on else "", "yes" if a.overdue else "no"]
             for a in data.actions]), CSV_MIME, f"Action items {label}"),
        Attachment(f"activity-by-objective-{label}.png",
                   activity_chart(data.network, label, data.objectives), "image/png",
                   f"Activity per GCM objective, {label}"),
    ]


# A spreadsheet runs a cell that starts with one of these as a formula: =HYPERLINK(...) links
# anywhere, @cmd|' /C calc'!A0 (DDE) starts a program. OWASP's advice (CSV Injection,
# https://owasp.org/www-community/attacks/CSV_Injection), followed here: such a cell starts with
# a single quote, which spreadsheets read as "this is text"; every cell is in double quotes,
# with a double quote inside written twice, so that a separator or quote a member typed cannot
# end a cell and start another with a formula. The cells the bot writes itself (numbers, ISO
# dates, agency codes, statuses) never start with these characters, so they read as before.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_cell(value: object) -> str:
    """A value as a spreadsheet cell that is never run as a formula."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")

