"""A PostgreSQL backup made with pg_dump restores into another database with the same data."""

import glob
import os
import shutil
import subprocess
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from plie.db import make_engine, reading, writing
from plie.models import Registration, Session
from plie.registrations import save_registration
from tests.backends import TEST_DATABASE_URL, only_postgresql
from tests.builders import STATISTICS_ANSWERED
from tests.pg_builders import a_candidate, a_professional, a_published_action, a_session


def postgresql_tool(name: str) -> str:
    """pg_dump and pg_restore from the same installation as the test server."""
    if "PLIE_PG_BIN" in os.environ:
        return os.path.join(os.environ["PLIE_PG_BIN"], name)
    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return installed[-1] if installed else shutil.which(name)


def libpq_url(database: str) -> str:
    """The test server's URL for pg_dump and pg_restore, which do not know "+psycopg"."""
    url = make_url(TEST_DATABASE_URL).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def registrations_seen(engine) -> list[tuple]:
    with reading(engine) as db:
        rows = db.exec(select(Registration).order_by(Registration.id)).all()
        places = db.exec(select(Session.places_taken)).all()
        return [(row.id, row.status, row.candidate_id, row.submitted_at) for row in rows], places


@only_postgresql
def test_a_dump_restored_into_another_database_shows_the_same_registrations(
    engine, pg_schema, postgresql_admin, tmp_path
):
    with writing(engine) as db:
        prescriber = a_professional(db)
        action = a_published_action(db)
        session = a_session(db, action=action, capacity=10, places_left=10)
        candidates = [a_candidate(db).id for _ in range(3)]
        db.commit()
    for candidate_id, submit in zip(candidates, (True, True, False), strict=True):
        with writing(engine) as db:
            save_registration(
                db,
                by=prescriber.id,
                action_id=action.id,
                candidate_id=candidate_id,
                session_ids=[session.id],
                submit=submit,
                answers=STATISTICS_ANSWERED,
            )
    source_database = make_url(TEST_DATABASE_URL).database
    backup = tmp_path / "plie.dump"
    copy = f"restore_{uuid.uuid4().hex[:12]}"

    subprocess.run(
        [
            postgresql_tool("pg_dump"),
            "--format=custom",
            f"--schema={pg_schema}",
            f"--file={backup}",
            libpq_url(source_database),
        ],
        check=True,
        timeout=120,
    )
    with postgresql_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{copy}"'))
    try:
        subprocess.run(
            [
                postgresql_tool("pg_restore"),
                "--no-owner",
                f"--dbname={libpq_url(copy)}",
                str(backup),
            ],
            check=True,
            timeout=120,
        )
        restored = make_engine(
            make_url(TEST_DATABASE_URL).set(database=copy).render_as_string(False),
            connect_args={"options": f"-csearch_path={pg_schema}"},
        )
        seen_in_copy = registrations_seen(restored)
        restored.dispose()
    finally:
        with postgresql_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{copy}" WITH (FORCE)'))

    original = registrations_seen(engine)
    assert len(original[0]) == 3 and original[1] == [2]
    assert seen_in_copy == original
