"""Excel exports of the triage table, as filtered on screen.

Every cell is written as what it is (a number, a date, or text): text is always written as a
string cell, so a candidate's name typed as "=HYPERLINK(...)" or "+33..." never becomes a
formula when the file is opened (spreadsheet formula injection).
"""

import io
import logging

import xlsxwriter
from sqlmodel import Session as DbSession

from plie import audit
from plie.enums import AuditEvent
from plie.permissions import Operation
from plie.triage import COLUMNS, TriageFilter, triage_rows

log = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def rows_to_xlsx(rows: list[dict], columns: list[str], *, sheet: str = "Inscriptions") -> bytes:
    """A workbook with one header row and one row per dict, every text cell kept as text."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    worksheet = workbook.add_worksheet(sheet)
    bold = workbook.add_format({"bold": True})
    # Excel's "quote prefix": editing such a cell later keeps it text, too.
    quoted = workbook.add_format({"quote_prefix": True})

    for column, name in enumerate(columns):
        worksheet.write_string(0, column, name, bold)
        worksheet.set_column(column, column, max(12, min(40, len(name) + 4)))
    for line, row in enumerate(rows, start=1):
        for column, name in enumerate(columns):
            value = row.get(name, "")
            if isinstance(value, bool) or not isinstance(value, int | float):
                text = "" if value is None else str(value)
                style = quoted if text.startswith(FORMULA_STARTS) else None
                worksheet.write_string(line, column, text, style)
            else:
                worksheet.write_number(line, column, value)
    worksheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def export_triage(db: DbSession, *, by: int, filters: TriageFilter) -> bytes:
    """The triage table as filtered, for the pilot and copilots (partners may not export)."""
    rows = triage_rows(db, by=by, filters=filters, operation=Operation.EXPORT_REGISTRATIONS)
    log.info("triage_exported action=%s rows=%s by=%s", filters.action_id, len(rows), by)
    content = rows_to_xlsx(rows, COLUMNS)
    audit.note(
        db,
        professional_id=by,
        event=AuditEvent.EXPORT,
        object_type="action",
        object_id=filters.action_id,
        detail=f"triage rows={len(rows)}",
    )
    return content
