"""The concurrency tests can see overselling: a naive "count then insert" fails them.

The naive way below lives here only, never in the product. It counts the registrations holding
a place, then inserts one if the count is below the capacity: two prescribers who count at the
same moment both see the last place free, and both take it.

To make the race certain rather than likely, every worker first reads what a page would show
(the places left), then waits at a barrier until all of them have read, and only then writes:
the same gap a prescriber leaves between seeing "Places restantes : 1" and clicking. The
product gets exactly the same gap and must still hold exactly the places there are; the naive
way, given it, oversells by every worker too many, on SQLite and on PostgreSQL alike.

Without the gap (all workers released at once by the start barrier, nothing in between), the
naive way oversells too, by a number that varies from run to run: 60 registrations for 29 places
in each of 10 runs on SQLite, 39 to 60 in 10 runs on PostgreSQL (2 cores). That test asserts only
that it oversold, and gives it three tries, so that a quiet scheduler cannot make it flake.
"""

import threading
from collections import Counter

from sqlmodel import func, select

from plie import queries
from plie.dates import now, today_in_paris
from plie.db import reading, writing
from plie.enums import PLACE_HOLDING_STATUSES, RegistrationStatus
from plie.errors import NoPlaceLeft
from plie.models import Registration, RegistrationSession, Session
from plie.registrations import save_registration
from tests.builders import STATISTICS_ANSWERED
from tests.pg_builders import a_candidate, a_professional, a_published_action, a_session
from tests.test_places_under_load import SESSION_FULL, run_together

PRESCRIBERS = 60
PLACES = 29


def places_held(db, session_id: int) -> int:
    """The registrations that hold a place in the session, counted from the rows themselves."""
    return db.exec(
        select(func.count(Registration.id))
        .join(RegistrationSession, RegistrationSession.registration_id == Registration.id)
        .where(
            RegistrationSession.session_id == session_id,
            Registration.status.in_(list(PLACE_HOLDING_STATUSES)),
        )
    ).one()


def naive_submit(engine, *, session_id: int, action_id: int, by: int, candidate_id: int, pause):
    """Count the places taken, then insert: the way that oversells (test only)."""
    with reading(engine) as db:
        session = db.get(Session, session_id)
        full = places_held(db, session_id) >= session.capacity
    pause()
    if full:
        raise NoPlaceLeft(SESSION_FULL)
    with writing(engine) as db:
        registration = Registration(
            action_id=action_id,
            candidate_id=candidate_id,
            prescriber_id=by,
            status=RegistrationStatus.PENDING,
            submitted_at=now(),
        )
        db.add(registration)
        db.flush()
        db.add(RegistrationSession(registration_id=registration.id, session_id=session_id))
        db.commit()


def product_submit(engine, *, session_id: int, action_id: int, by: int, candidate_id: int, pause):
    """What the registration page does: show the places left, then save and send."""
    with reading(engine) as db:
        queries.action_view(db, action_id=action_id, today=today_in_paris())
    pause()
    with writing(engine) as db:
        save_registration(
            db,
            by=by,
            action_id=action_id,
            candidate_id=candidate_id,
            session_ids=[session_id],
            submit=True,
            answers=STATISTICS_ANSWERED,
        )


def prescribers_racing_for_the_places(engine, submit, *, gap=True) -> tuple[Counter, int]:
    """PRESCRIBERS submit at once for the PLACES of a session; (outcomes, places held).

    With `gap`, each waits between reading and writing until all have read.
    """
    with writing(engine) as db:
        action = a_published_action(db)
        session = a_session(db, action=action, capacity=PLACES, places_left=PLACES)
        pairs = [(a_professional(db).id, a_candidate(db).id) for _ in range(PRESCRIBERS)]
        db.commit()
    everyone_has_read = threading.Barrier(PRESCRIBERS, timeout=120)

    def job(prescriber_id, candidate_id):
        submit(
            engine,
            session_id=session.id,
            action_id=action.id,
            by=prescriber_id,
            candidate_id=candidate_id,
            pause=everyone_has_read.wait if gap else lambda: None,
        )
        return ""

    outcomes = run_together([lambda p=p, c=c: job(p, c) for p, c in pairs])

    with reading(engine) as db:
        return Counter(outcomes), places_held(db, session.id)


def test_a_naive_count_then_insert_oversells_and_the_check_sees_it(engine):
    outcomes, held = prescribers_racing_for_the_places(engine, naive_submit)

    assert outcomes == {("ok", ""): PRESCRIBERS}
    assert held == PRESCRIBERS > PLACES


def test_a_naive_count_then_insert_oversells_even_without_a_forced_gap(engine):
    tries = [prescribers_racing_for_the_places(engine, naive_submit, gap=False) for _ in range(3)]

    assert any(held > PLACES for _outcomes, held in tries), tries


def test_the_product_without_a_forced_gap_holds_exactly_the_places(engine):
    outcomes, held = prescribers_racing_for_the_places(engine, product_submit, gap=False)

    assert outcomes == {("ok", ""): PLACES, ("NoPlaceLeft", SESSION_FULL): PRESCRIBERS - PLACES}
    assert held == PLACES


def test_the_product_given_the_same_race_holds_exactly_the_places(engine):
    outcomes, held = prescribers_racing_for_the_places(engine, product_submit)

    assert outcomes == {("ok", ""): PLACES, ("NoPlaceLeft", SESSION_FULL): PRESCRIBERS - PLACES}
    assert held == PLACES
    with reading(engine) as db:
        assert db.exec(select(Session.places_taken)).one() == PLACES
