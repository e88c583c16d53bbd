"""Time and peak memory of the statistics workbook, next to bare writers writing the same rows.

Builds a SQLite database with N registrations (one candidate each for two thirds of them, the
rest second registrations), then runs, each in a fresh process so that its peak memory is its
own: the export (plie.esf_export), XlsxWriter in constant-memory mode and openpyxl in write-only
mode writing the same selected rows (the 24 participant columns, no formatting, no figures).
Prints a Markdown table. Run it twice with different N to see that memory does not grow.

    python bench/bench_export.py --rows 100000
    python bench/bench_export.py --rows 10000
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from plie.dates import paris_instant  # noqa: E402
from plie.db import create_schema, make_engine, writing  # noqa: E402
from plie.enums import (  # noqa: E402
    ActionType,
    EligibilityScheme,
    Gender,
    RegistrationStatus,
    SessionKind,
)
from plie.models import (  # noqa: E402
    Action,
    Candidate,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    Structure,
)

START, END = date(2025, 1, 1), date(2025, 12, 31)
RUNS = ("export", "xlsxwriter", "openpyxl")


def build(url: str, rows: int) -> None:
    engine = make_engine(url)
    create_schema(engine)
    statuses = [s for s in RegistrationStatus if s is not RegistrationStatus.DRAFT]
    with writing(engine) as db:
        db.execute(insert(Structure), [{"name": f"Structure {i}"} for i in range(20)])
        db.execute(
            insert(Professional),
            [
                {
                    "email": f"pro{i}@bench.example",
                    "first_name": "Lou",
                    "last_name": f"Bench{i}",
                    "structure_id": i % 20 + 1,
                    "is_coordinator": i == 0,
                }
                for i in range(100)
            ],
        )
        db.execute(
            insert(Action),
            [
                {
                    "title": f"Action {i}",
                    "action_type": list(ActionType)[i % len(ActionType)],
                    "eligibility_scheme": list(EligibilityScheme)[i % 4],
                    "publication_start": START,
                    "publication_end": END,
                }
                for i in range(50)
            ],
        )
        sessions = []
        for i in range(200):
            day = START + timedelta(days=i * 365 // 200)
            sessions.append(
                {
                    "action_id": i % 50 + 1,
                    "label": f"Session {i}",
                    "kind": SessionKind.WORKSHOP,
                    "starts_at": paris_instant(day, 9),
                    "ends_at": paris_instant(day, 12),
                    "capacity": 1000,
                    "registration_deadline": day,
                }
            )
        db.execute(insert(Session), sessions)
        people = rows * 2 // 3
        db.execute(
            insert(Candidate),
            [
                {
                    "last_name": f"Nom{i:06d}",
                    "first_name": "Prénom",
                    "last_name_key": f"nom{i:06d}",
                    "first_name_key": "prenom",
                    "birth_date": date(1960, 1, 1) + timedelta(days=i % 16000),
                    # About one record in twenty misses a field the indicators need.
                    "gender": None if i % 97 == 0 else (Gender.FEMALE, Gender.MALE)[i % 2],
                    "is_qpv": None if i % 41 == 0 else i % 3 == 0,
                    "qualification_level": str(i % 8 + 1) if i % 53 else None,
                    "viesion_id": f"VIE{i}" if i % 2 else None,
                }
                for i in range(people)
            ],
        )
        sent = paris_instant(START, 10)
        db.execute(
            insert(Registration),
            [
                {
                    "action_id": i % 200 % 50 + 1,
                    "candidate_id": i % people + 1,
                    "prescriber_id": i % 100 + 1,
                    "status": statuses[i % len(statuses)],
                    "submitted_at": sent,
                    "created_at": sent,
                    "updated_at": sent,
                }
                for i in range(rows)
            ],
        )
        db.execute(
            insert(RegistrationSession),
            [{"registration_id": i + 1, "session_id": i % 200 + 1} for i in range(rows)],
        )
        db.commit()
    engine.dispose()


def measure(url: str, run: str, output: str) -> dict:
    """In this process: one run, its seconds and its peak resident memory above the start."""
    from plie.esf_export import PARTICIPANT_COLUMNS, export_workbook
    from plie.statistics import _selection, check_filters

    engine = make_engine(url)
    filters = check_filters(start=START, end=END)
    baseline = memory_mb("VmRSS")
    began = time.perf_counter()
    with writing(engine) as db:
        if run == "export":
            summary = export_workbook(db, by=1, filters=filters, output=output)
            written = summary.registrations
        else:
            written = bare_write(db, run, _selection(filters), output, len(PARTICIPANT_COLUMNS))
    seconds = time.perf_counter() - began
    peak = memory_mb("VmHWM")
    return {"seconds": seconds, "peak_mb": peak, "growth_mb": peak - baseline, "rows": written}


def memory_mb(field: str) -> float:
    """This process's resident memory (VmRSS) or its peak (VmHWM), from /proc.

    Not getrusage's ru_maxrss: on Linux it keeps the parent's peak across fork and exec, so
    every run would show the peak of the process that built the database.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not found in /proc/self/status")


def bare_write(db, run: str, query, output: str, width: int) -> int:
    """The selected rows, their first `width` values, with no formatting at all."""
    rows = db.exec(query.execution_options(yield_per=2000))
    count = 0
    if run == "xlsxwriter":
        import xlsxwriter

        book = xlsxwriter.Workbook(output, {"constant_memory": True})
        sheet = book.add_worksheet("Participants")
        for count, row in enumerate(rows, start=1):
            values = [v if isinstance(v, int | float | str) else str(v) for v in row][:width]
            sheet.write_row(count, 0, values + [""] * (width - len(values)))
        book.close()
    else:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet("Participants")
        for row in rows:
            values = [v if isinstance(v, int | float | str) else str(v) for v in row][:width]
            sheet.append(values + [""] * (width - len(values)))
            count += 1
        book.save(output)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--measure", choices=RUNS)
    parser.add_argument("--url")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.url, args.measure, args.output)))
        return

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        began = time.perf_counter()
        build(url, args.rows)
        print(f"database of {args.rows} registrations built in {time.perf_counter() - began:.0f} s")
        results = {}
        for run in RUNS:
            output = f"{folder}/{run}.xlsx"
            answer = subprocess.run(
                [sys.executable, __file__, "--measure", run, "--url", url, "--output", output],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
            )
            results[run] = json.loads(answer.stdout.strip().splitlines()[-1])
            results[run]["size_mb"] = os.path.getsize(output) / 1e6

    fastest = min(results[run]["seconds"] for run in RUNS if run != "export")
    print(f"\n| writer, {args.rows} registrations | rows | seconds | × fastest bare | "
          "peak memory (MB) | growth during the run (MB) | file (MB) |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    labels = {
        "export": "the export (5 sheets, formatted, figures)",
        "xlsxwriter": "bare XlsxWriter, constant_memory",
        "openpyxl": "bare openpyxl, write_only",
    }
    for run in RUNS:
        r = results[run]
        print(
            f"| {labels[run]} | {r['rows']} | {r['seconds']:.1f} | {r['seconds'] / fastest:.2f} "
            f"| {r['peak_mb']:.0f} | {r['growth_mb']:.0f} | {r['size_mb']:.1f} |"
        )


if __name__ == "__main__":
    main()
