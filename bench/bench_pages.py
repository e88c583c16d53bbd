"""Each main page's script run, beside the bare SQL that fetches the rows it shows.

Streamlit runs a page's whole script on every click, so a page run is what a user waits for.
For each size of data (registrations), the script builds the data set of bench/dataset.py,
runs each page with Streamlit's AppTest as the right person (median of several runs after a
warm-up), and runs the bare SQL that fetches the same rows. The ratio page/bare says what the
page adds; its growth with the data says whether the page does a query per row or loads
everything instead of paging.

    python bench/bench_pages.py --sizes 1000 10000 100000
    python bench/bench_pages.py --sizes 100000 --pages "Bilan d'une session"   # some pages only
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.dataset import BENCH_COORDINATOR, BENCH_PILOT, BENCH_PRESCRIBER, build  # noqa: E402
from plie import db as plie_db  # noqa: E402
from plie import settings as plie_settings  # noqa: E402
from plie.db import make_engine  # noqa: E402

RUNS = 5
# The frame's own cost: home.py and a page that stops at once (an unknown action).
FRAME = "frame"


@dataclass
class PageSpec:
    name: str
    script: str
    user: str | None
    bare_sql: str
    query: dict = field(default_factory=dict)


# The bare SQL of each page: the joins that fetch the rows it shows, nothing else.
PAGES = [
    PageSpec(FRAME, "action", BENCH_PRESCRIBER, "SELECT 1", {"id": "0"}),
    PageSpec(
        "Agenda",
        "agenda",
        None,
        "SELECT a.*, s.* FROM action a JOIN action_session s ON s.action_id = a.id "
        "WHERE a.publication_start <= CURRENT_DATE AND a.publication_end >= CURRENT_DATE "
        "ORDER BY a.id, s.starts_at",
    ),
    PageSpec(
        "Page d'une action",
        "action",
        BENCH_PRESCRIBER,
        "SELECT s.* FROM action_session s WHERE s.action_id = :action "
        "UNION ALL SELECT s.* FROM action_session s JOIN registration_session rs "
        "ON rs.session_id = s.id JOIN registration r ON r.id = rs.registration_id "
        "WHERE r.action_id = :action AND r.prescriber_id = :prescriber",
        {"id": "1"},
    ),
    PageSpec(
        "Inscrire un candidat",
        "register",
        BENCH_PRESCRIBER,
        "SELECT s.* FROM action_session s WHERE s.action_id = :action",
        {"action": "1", "sessions": "1"},
    ),
    PageSpec(
        "Inscriptions de l'action (tri)",
        "triage",
        BENCH_PILOT,
        "SELECT r.*, c.last_name, c.first_name, p.last_name, st.name, s.label "
        "FROM registration r JOIN candidate c ON c.id = r.candidate_id "
        "LEFT JOIN professional p ON p.id = r.prescriber_id "
        "LEFT JOIN structure st ON st.id = p.structure_id "
        "JOIN registration_session rs ON rs.registration_id = r.id "
        "JOIN action_session s ON s.id = rs.session_id "
        "WHERE r.action_id = :action ORDER BY r.submitted_at DESC",
        {"action": "1"},
    ),
    PageSpec(
        "Bilan d'une session",
        "review",
        BENCH_PILOT,
        "SELECT r.*, c.last_name, c.first_name FROM registration r "
        "JOIN candidate c ON c.id = r.candidate_id "
        "JOIN registration_session rs ON rs.registration_id = r.id "
        "WHERE rs.session_id = :session ORDER BY c.last_name_key, c.first_name_key",
        {"session": "1"},
    ),
    PageSpec(
        "Statistiques FSE+ (tableau de bord)",
        "statistics",
        BENCH_COORDINATOR,
        "SELECT r.id, r.status, c.birth_date, c.gender, c.is_qpv, c.qualification_level, "
        "a.action_type FROM registration r JOIN candidate c ON c.id = r.candidate_id "
        "JOIN action a ON a.id = r.action_id WHERE r.status != 'DRAFT' "
        "ORDER BY r.candidate_id",
    ),
    PageSpec(
        "Mes candidats",
        "dashboard",
        BENCH_PRESCRIBER,
        "SELECT r.*, c.last_name, c.first_name, a.title, s.label FROM registration r "
        "JOIN candidate c ON c.id = r.candidate_id JOIN action a ON a.id = r.action_id "
        "JOIN registration_session rs ON rs.registration_id = r.id "
        "JOIN action_session s ON s.id = rs.session_id WHERE r.prescriber_id = :prescriber "
        "ORDER BY c.last_name_key, c.first_name_key",
    ),
]


def point_app_at(url: str) -> None:
    import streamlit as st

    os.environ.update(
        DATABASE_URL=url,
        PLIE_DEMO_MODE="false",
        PLIE_COOKIE_KEY="benchmark-cookie-key-not-a-secret-0123456789",
    )
    plie_settings.get_settings.cache_clear()
    plie_db.get_engine.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


class RunTimes(logging.Handler):
    """Collects the script run times that home.py logs on the "plie.pages" logger."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.times: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.times.append(float(record.args[1]))


def page_run_ms(spec: PageSpec, user_id: int | None) -> tuple[float, int]:
    """Median time of the page's script run, and the number of table rows it showed.

    The time is the one home.py measures around the script run, not AppTest's: AppTest adds
    its own waiting, which a user of the real server does not pay.
    """
    from streamlit.testing.v1 import AppTest

    recorder = RunTimes()
    pages_log = logging.getLogger("plie.pages")
    pages_log.setLevel(logging.DEBUG)
    pages_log.addHandler(recorder)

    app = AppTest.from_file(str(ROOT / "home.py"), default_timeout=600)
    if user_id is not None:
        # As a local sign-in leaves it (ui/auth.py): the bench measures pages, not the sign-in.
        app.session_state["user_id"] = user_id
        app.session_state["user_email"] = spec.user
        app.session_state["sign_in_kind"] = "local"
        app.session_state["authenticated_at"] = datetime.now(UTC)
    app.run()
    if spec.script != "agenda":
        app.query_params.update(spec.query)
        app.switch_page(f"app_pages/{spec.script}.py")
    app.run()
    recorder.times.clear()
    for _ in range(RUNS):
        app.run()
        if app.exception:
            raise RuntimeError(f"{spec.name}: {app.exception}")
    pages_log.removeHandler(recorder)
    shown = sum(len(frame.value) for frame in app.dataframe)
    return statistics.median(recorder.times), shown


def bare_ms(engine, spec: PageSpec, parameters: dict) -> tuple[float, int]:
    statement = text(spec.bare_sql)
    names = set(statement.compile().params)
    values = {key: value for key, value in parameters.items() if key in names}
    times, count = [], 0
    with engine.connect() as connection:
        for _ in range(RUNS + 1):
            start = time.perf_counter()
            count = len(connection.execute(statement, values).all())
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:]), count


def run(sizes: list[int], url_for, names: list[str] | None = None) -> list[dict]:
    results = []
    for size in sizes:
        url = url_for(size)
        engine = make_engine(url)
        dataset = build(engine, registrations=size)
        point_app_at(url)
        parameters = {
            "action": dataset.big_action_id,
            "session": dataset.big_session_id,
            "prescriber": dataset.prescriber_id,
        }
        frame_ms = 0.0
        with engine.connect() as connection:
            ids = dict(connection.execute(text("SELECT email, id FROM professional")).all())
        for spec in PAGES:
            if names and spec.name not in names and spec.name != FRAME:
                continue
            page_ms, shown = page_run_ms(spec, ids.get(spec.user))
            if spec.name == FRAME:
                frame_ms = page_ms
                continue
            sql_ms, fetched = bare_ms(engine, spec, parameters)
            floor = frame_ms + sql_ms
            results.append(
                {
                    "page": spec.name,
                    "registrations": size,
                    "page_ms": page_ms,
                    "bare_ms": sql_ms,
                    "frame_ms": frame_ms,
                    "rows_fetched": fetched,
                    "rows_shown": shown,
                    "ratio": page_ms / floor,
                }
            )
            print(
                f"| {spec.name} | {size:,} | {fetched:,} | {shown:,} | {page_ms:.0f} | "
                f"{frame_ms:.0f} + {sql_ms:.1f} | {page_ms / floor:.1f}× |",
                flush=True,
            )
        engine.dispose()
    return results


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--pages", nargs="+", help="only these pages (their names in the table)")
    arguments = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)
    print(
        "| page | registrations | rows fetched | rows shown | page run (ms) "
        "| floor: frame + bare SQL (ms) | ratio |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as scratch:
        return run(
            arguments.sizes, lambda size: f"sqlite:///{scratch}/pages-{size}.db", arguments.pages
        )


if __name__ == "__main__":
    main()
