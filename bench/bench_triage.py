"""The triage page with 5,000 registrations on one action: page run time beside the bare SQL.

Builds a scratch database (SQLite in a temporary folder, or the PostgreSQL database given,
which is emptied), fills one action with N sent registrations from 40 prescribers of 10
structures over 3 sessions, then times, each the median of several runs:

- the bare SQL: one SELECT of the table's columns with its joins, fetched whole;
- plie.triage.triage_rows: the same table as the page reads it (all rows, sorted);
- the same with a filter on the state and a candidate search;
- what the page reads: the count of the filtered rows and its first page of 100;
- plie.triage.triage_summary: the counts per state and the places per session;
- the Excel export of the whole table;
- the page itself, run by Streamlit's AppTest as the pilot (one script run, first page).

    python bench/bench_triage.py                     # SQLite, 5,000 registrations
    python bench/bench_triage.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/b
    python bench/bench_triage.py --readme            # also writes the table into README.md
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from plie import exports, triage  # noqa: E402
from plie.dates import now, paris_instant, today_in_paris  # noqa: E402
from plie.db import make_engine, prepare_database, reading  # noqa: E402
from plie.enums import ActionType, MemberRole, RegistrationStatus, SessionKind  # noqa: E402
from plie.models import (  # noqa: E402
    Action,
    ActionMember,
    Candidate,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    Structure,
)
from plie.paging import page_of  # noqa: E402

S = RegistrationStatus
STATES = [S.PENDING] * 6 + [S.VALIDATED] * 2 + [S.ELIGIBILITY_NOT_VALIDATED, S.DEFERRED]
README = ROOT / "README.md"
START, END = "<!-- bench_triage:start -->", "<!-- bench_triage:end -->"
BARE_SQL = text(
    """
    SELECT r.id, r.status, r.submitted_at, c.last_name, c.first_name, c.birth_date,
           p.last_name, p.first_name, s.name
    FROM registration r
    JOIN candidate c ON c.id = r.candidate_id
    LEFT JOIN professional p ON p.id = r.prescriber_id
    LEFT JOIN structure s ON s.id = p.structure_id
    WHERE r.action_id = :action AND r.status != 'DRAFT'
    ORDER BY r.submitted_at, r.id
    """
)


def fill(engine, registrations: int) -> tuple[int, int, str]:
    """One action with `registrations` sent registrations; returns (action, pilot, email)."""
    import plie.models  # noqa: F401

    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    prepare_database(engine)
    today = today_in_paris()
    with engine.begin() as db:
        structures = [
            db.execute(insert(Structure).values(name=f"Structure {i}")).inserted_primary_key[0]
            for i in range(10)
        ]
        people = [
            db.execute(
                insert(Professional).values(
                    email=f"pro{i}@bench.example",
                    first_name="Prénom",
                    last_name=f"Prescripteur{i}",
                    structure_id=structures[i % 10],
                    can_pilot=i == 0,
                    created_at=now(),
                )
            ).inserted_primary_key[0]
            for i in range(41)
        ]
        pilot = people[0]
        action = db.execute(
            insert(Action).values(
                title="Action du banc d'essai",
                action_type=ActionType.RECRUITMENT,
                summary="",
                description="",
                eligibility_scheme="FSE",
                publication_start=today - timedelta(days=5),
                publication_end=today + timedelta(days=60),
                commune="Grenoble",
                allows_self_registration=False,
                auto_validate=False,
                max_employers_per_candidate=3,
                published_at=now(),
            )
        ).inserted_primary_key[0]
        db.execute(
            insert(ActionMember).values(
                action_id=action, professional_id=pilot, role=MemberRole.PILOT.name
            )
        )
        sessions = []
        for index in range(3):
            day = today + timedelta(days=20 + index)
            sessions.append(
                db.execute(
                    insert(Session).values(
                        action_id=action,
                        label=f"Session {index + 1}",
                        kind=SessionKind.RECRUITMENT.name,
                        starts_at=paris_instant(day, 9),
                        ends_at=paris_instant(day, 12),
                        place_name="",
                        address="",
                        capacity=registrations,
                        registration_deadline=day - timedelta(days=1),
                        places_taken=0,
                    )
                ).inserted_primary_key[0]
            )
        db.execute(
            insert(Candidate),
            [
                {
                    "id": i + 1,
                    "last_name": f"Nom{i:05d}",
                    "first_name": "Prénom",
                    "last_name_key": f"nom{i:05d}",
                    "first_name_key": "prenom",
                    "birth_date": today - timedelta(days=9000 + i),
                    "is_plie_participant": False,
                    "created_at": now(),
                }
                for i in range(registrations)
            ],
        )
        moment = now()
        db.execute(
            insert(Registration),
            [
                {
                    "id": i + 1,
                    "action_id": action,
                    "candidate_id": i + 1,
                    "prescriber_id": people[1 + i % 40],
                    "status": STATES[i % len(STATES)].name,
                    "is_self_registered": False,
                    "submitted_at": moment - timedelta(minutes=i),
                    "created_at": moment,
                    "updated_at": moment,
                }
                for i in range(registrations)
            ],
        )
        db.execute(
            insert(RegistrationSession),
            [
                {"registration_id": i + 1, "session_id": sessions[i % 3]}
                for i in range(registrations)
            ],
        )
    return action, pilot, "pro0@bench.example"


def median_ms(run, repeat: int) -> float:
    run()  # warm the caches and the connection pool
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def time_page(url: str, action: int, pilot: int, email: str, repeat: int) -> float:
    """One run of the triage page script by AppTest, as the signed-in pilot."""
    os.environ["DATABASE_URL"] = url
    os.environ["PLIE_DEMO_MODE"] = "false"
    os.environ.setdefault("PLIE_COOKIE_KEY", "bench-cookie-key-not-a-secret-0123456789")
    from streamlit.testing.v1 import AppTest

    from tests.ui_support import forget_cached_resources

    forget_cached_resources()
    app = AppTest.from_file(str(ROOT / "home.py"), default_timeout=120)
    app.session_state["authentication_status"] = True
    app.session_state["username"] = email
    app.session_state["user_email"] = email
    app.session_state["user_id"] = pilot
    app.run()
    app.query_params.update({"action": str(action)})
    app.switch_page("app_pages/triage.py")

    def run():
        app.run()
        assert not app.exception, app.exception
        # The time is the triage page's, not a sign-in page's: it shows the whole table.
        assert app.title[0].value == "Inscriptions : Action du banc d'essai", app.title
        assert any(box.label.startswith("Tout sélectionner (") for box in app.checkbox)

    return median_ms(run, repeat)


def first_page(db, pilot: int, filters: triage.TriageFilter) -> list[dict]:
    total = triage.triage_count(db, by=pilot, filters=filters)
    return triage.triage_rows(db, by=pilot, filters=filters, page=page_of(total, 1))


def measure(url: str, registrations: int, repeat: int) -> dict:
    engine = make_engine(url)
    action, pilot, email = fill(engine, registrations)
    everything = triage.TriageFilter(action_id=action)
    filtered = triage.TriageFilter(action_id=action, statuses=[S.PENDING], search="nom012")
    with reading(engine) as db:
        rows = len(triage.triage_rows(db, by=pilot, filters=everything))
        assert rows == registrations, rows
        results = {
            "bare SQL": median_ms(
                lambda: db.execute(BARE_SQL, {"action": action}).fetchall(), repeat
            ),
            "triage_rows, all": median_ms(
                lambda: triage.triage_rows(db, by=pilot, filters=everything), repeat
            ),
            "triage_rows, filtered": median_ms(
                lambda: triage.triage_rows(db, by=pilot, filters=filtered), repeat
            ),
            "count + page of 100": median_ms(lambda: first_page(db, pilot, everything), repeat),
            "triage_summary": median_ms(
                lambda: triage.triage_summary(db, by=pilot, action_id=action), repeat
            ),
            "Excel export": median_ms(
                lambda: exports.export_triage(db, by=pilot, filters=everything), max(1, repeat // 2)
            ),
        }
    engine.dispose()
    results["page run (AppTest)"] = time_page(url, action, pilot, email, max(1, repeat // 2))
    return results


def table(rows: list[tuple[str, int, dict]]) -> str:
    names = list(rows[0][2])
    lines = [
        "| database | registrations | " + " | ".join(f"{name} (ms)" for name in names) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in names) + " |",
    ]
    for database, count, results in rows:
        cells = " | ".join(f"{results[name]:.0f}" for name in names)
        lines.append(f"| {database} | {count:,} | {cells} |".replace(",", " "))
    return "\n".join(lines)


def write_readme(markdown: str) -> None:
    content = README.read_text()
    before, _, rest = content.partition(START)
    _, _, after = rest.partition(END)
    README.write_text(f"{before}{START}\n{markdown}\n{END}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgresql", help="a scratch PostgreSQL database URL (emptied)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        rows.append(("SQLite", args.registrations, measure(url, args.registrations, args.repeat)))
    postgresql = args.postgresql or os.environ.get("PLIE_BENCH_POSTGRESQL_URL")
    if postgresql:
        results = measure(postgresql, args.registrations, args.repeat)
        rows.append(("PostgreSQL", args.registrations, results))

    markdown = table(rows)
    print(markdown)
    if args.readme:
        write_readme(markdown)


if __name__ == "__main__":
    main()
