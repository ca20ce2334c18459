"""``network-bot outbox [--failed]`` and ``network-bot outbox retry ID``."""

from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import App
from scheduler.admin import RetryRefused, outbox_rows, retry, status_counts
from storage.db import transaction
from storage.models import Outbox

ERROR_WIDTH = 60


def show_outbox(app: App, out: TextIO, failed_only: bool) -> int:
    zone = app.config.network.zone
    with transaction(app.engine) as session:
        rows = outbox_rows(session, failed_only)
        counts = status_counts(session)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "empty"
    print(f"Outbox: {summary}.", file=out)
    if not rows:
        print("No failed rows." if failed_only else "Nothing waiting or failed.", file=out)
        return 0
    table: list[tuple[str, ...]] = [
        ("id", "kind", f"due ({zone.key})", "status", "attempts", "last error")]
    table += [_cells(row, zone) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
              .rstrip(), file=out)
    if any(row.status == "failed" for row in rows):
        print("Retry a failed row with: network-bot outbox retry ID", file=out)
    return 0


def _cells(row: Outbox, zone: ZoneInfo) -> tuple[str, ...]:
    error = " ".join((row.last_error or "").split())
    if len(error) > ERROR_WIDTH:
        error = error[:ERROR_WIDTH - 1] + "…"
    return (f"#{row.id}", row.kind, f"{row.due_at.astimezone(zone):%Y-%m-%d %H:%M}",
            row.status + (" (late)" if row.late else ""), str(row.attempts), error)


def retry_row(app: App, out: TextIO, err: TextIO, row_id: int) -> int:
    try:
        with transaction(app.engine) as session:
            row = retry(session, row_id, app.runner.clock())
    except RetryRefused as refusal:
        print(refusal, file=err)
        return 1
    print(f"Outbox row #{row.id} ({row.kind}) is pending again and will be sent at the next "
          "delivery run.", file=out)
    return 0
