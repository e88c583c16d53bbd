"""Excel exports of the triage table, as filtered on screen.

Cells go through plie.workbook: text is always written as a string cell, so a candidate's
name typed as "=HYPERLINK(...)" or "+33..." never becomes a formula when the file is opened
(spreadsheet formula injection).
"""

import io
import logging

from sqlmodel import Session as DbSession

from plie import audit
from plie.enums import AuditEvent
from plie.permissions import Operation
from plie.triage import COLUMNS, TriageFilter, iter_triage_rows
from plie.workbook import Column, Workbook

log = logging.getLogger(__name__)


def export_triage(db: DbSession, *, by: int, filters: TriageFilter) -> bytes:
    """The triage table as filtered, every row of it, for the pilot and copilots.

    Partners may not export. The rows come from the database a batch at a time and go
    straight into the file, which XlsxWriter writes in constant memory.
    """
    # Raw dates and instants: the workbook writes them as real Excel dates, instants in Paris
    # time, so that the spreadsheet sorts and filters them as dates.
    rows = iter_triage_rows(
        db, by=by, filters=filters, operation=Operation.EXPORT_REGISTRATIONS, formatted=False
    )
    buffer = io.BytesIO()
    workbook = Workbook(buffer)
    sheet = workbook.sheet("Inscriptions")
    sheet.header([Column(name) for name in COLUMNS])
    count = 0
    for row in rows:
        sheet.append([row[name] for name in COLUMNS])
        count += 1
    sheet.finish()
    workbook.close()

    log.info("triage_exported action=%s rows=%s by=%s", filters.action_id, count, by)
    audit.note(
        db,
        professional_id=by,
        event=AuditEvent.EXPORT,
        object_type="action",
        object_id=filters.action_id,
        detail=f"triage rows={count}",
    )
    return buffer.getvalue()
