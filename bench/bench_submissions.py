"""Submissions per second with N concurrent prescribers, and places oversold (must be 0).

Each worker is a thread with its own database session that submits registrations for one
session whose places are fewer than the submissions, so that the race for the last places is
part of what is measured. Prints a Markdown table.

    python bench/bench_submissions.py --workers 20 --submissions 400
    python bench/bench_submissions.py --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/b

Without --postgresql, the PostgreSQL row uses DATABASE_URL when it names PostgreSQL, else
it is left out. The PostgreSQL database given is emptied and rebuilt: use a scratch one.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import SQLModel, func, select  # noqa: E402

from plie.db import make_engine, prepare_database, reading, writing  # noqa: E402
from plie.enums import PLACE_HOLDING_STATUSES  # noqa: E402
from plie.errors import NoPlaceLeft  # noqa: E402
from plie.models import Registration, Session  # noqa: E402
from plie.registrations import save_registration  # noqa: E402
from tests.builders import STATISTICS_ANSWERED  # noqa: E402
from tests.pg_builders import (  # noqa: E402
    a_candidate,
    a_professional,
    a_published_action,
    a_session,
)


def prepare(engine, submissions: int, places: int):
    import plie.models  # noqa: F401

    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    prepare_database(engine)
    with writing(engine) as db:
        action = a_published_action(db)
        session = a_session(db, action=action, capacity=places, places_left=places)
        pairs = [(a_professional(db).id, a_candidate(db).id) for _ in range(submissions)]
        db.commit()
    return action.id, session.id, pairs


def run(url: str, workers: int, submissions: int, places: int) -> dict:
    engine = make_engine(url, pool_size=workers, max_overflow=5)
    action_id, session_id, pairs = prepare(engine, submissions, places)
    queue = list(pairs)
    lock = threading.Lock()
    counts = {"ok": 0, "full": 0, "error": 0}
    barrier = threading.Barrier(workers + 1)

    def worker():
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    return
                prescriber_id, candidate_id = queue.pop()
            try:
                with writing(engine) as db:
                    save_registration(
                        db,
                        by=prescriber_id,
                        action_id=action_id,
                        candidate_id=candidate_id,
                        session_ids=[session_id],
                        submit=True,
                        answers=STATISTICS_ANSWERED,
                    )
                outcome = "ok"
            except NoPlaceLeft:
                outcome = "full"
            except Exception:  # noqa: BLE001  (counted and reported, never hidden)
                outcome = "error"
            with lock:
                counts[outcome] += 1

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    with reading(engine) as db:
        holding = db.exec(
            select(func.count(Registration.id)).where(
                Registration.status.in_(list(PLACE_HOLDING_STATUSES))
            )
        ).one()
        counter = db.get(Session, session_id).places_taken
    engine.dispose()
    return {
        "per_second": submissions / elapsed,
        "accepted": counts["ok"],
        "full": counts["full"],
        "errors": counts["error"],
        "oversold": max(holding - places, 0) + max(counter - places, 0),
        "counter_matches": counter == holding,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--places", type=int, default=29)
    parser.add_argument("--postgresql", default=os.environ.get("DATABASE_URL", ""))
    arguments = parser.parse_args(argv)

    backends = {}
    with tempfile.TemporaryDirectory() as scratch:
        backends["SQLite (WAL, BEGIN IMMEDIATE)"] = f"sqlite:///{scratch}/bench.db"
        if arguments.postgresql.startswith("postgresql"):
            backends["PostgreSQL (READ COMMITTED)"] = arguments.postgresql
        rows = {
            name: run(url, arguments.workers, arguments.submissions, arguments.places)
            for name, url in backends.items()
        }

    print(
        f"{arguments.submissions} submissions by {arguments.workers} concurrent workers "
        f"for {arguments.places} places\n"
    )
    print("| database | submissions/s | accepted | refused (full) | errors | oversold |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, row in rows.items():
        print(
            f"| {name} | {row['per_second']:.0f} | {row['accepted']} | {row['full']} "
            f"| {row['errors']} | {row['oversold']} |"
        )
    failed = any(
        row["oversold"] or row["errors"] or not row["counter_matches"] for row in rows.values()
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
