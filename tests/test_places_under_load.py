"""Places are never oversold when many people act at the same moment.

Each worker is a real thread with its own database session (plie.db.writing), released by a
barrier so that they all start together: on SQLite (a file) and on PostgreSQL.
"""

import threading
from collections import Counter

from sqlmodel import func, select

from plie.db import reading, writing
from plie.enums import PLACE_HOLDING_STATUSES, RegistrationStatus
from plie.models import OutboxEmail, Registration, Session, Slot
from plie.places import take_slot_place
from plie.registrations import change_status, save_registration
from tests.builders import STATISTICS_ANSWERED
from tests.pg_builders import (
    a_candidate,
    a_professional,
    a_published_action,
    a_registration,
    a_session,
    a_slot,
)

SESSION_FULL = "La session « Session du matin » est complète : il n'y reste plus de place."
SLOT_FULL = "Le créneau choisi avec « Boulangerie Dupont » est complet."


def run_together(jobs) -> list[tuple[str, str]]:
    """Run each job in its own thread, all released at once; (outcome, message) per job."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[tuple[str, str]] = [("not run", "")] * len(jobs)

    def work(index, job):
        barrier.wait()
        try:
            outcomes[index] = ("ok", job())
        except Exception as error:  # noqa: BLE001  (every outcome is asserted by the test)
            outcomes[index] = (type(error).__name__, str(error))

    threads = [threading.Thread(target=work, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_100_prescribers_submitting_at_once_fill_exactly_the_29_places_left(engine):
    with writing(engine) as db:
        action = a_published_action(db)
        session = a_session(db, action=action, capacity=40, places_left=29)
        pairs = [(a_professional(db).id, a_candidate(db).id) for _ in range(100)]
        db.commit()

    def submit(prescriber_id, candidate_id):
        with writing(engine) as db:
            save_registration(
                db,
                by=prescriber_id,
                action_id=action.id,
                candidate_id=candidate_id,
                session_ids=[session.id],
                submit=True,
                answers=STATISTICS_ANSWERED,
            )
        return ""

    outcomes = run_together([lambda p=p, c=c: submit(p, c) for p, c in pairs])

    assert Counter(outcomes) == {("ok", ""): 29, ("NoPlaceLeft", SESSION_FULL): 71}
    with reading(engine) as db:
        assert db.get(Session, session.id).places_taken == 40
        assert db.exec(select(func.count(Registration.id))).one() == 29
        assert db.exec(select(func.count(OutboxEmail.id))).one() == 29


def test_organisers_validating_in_bulk_at_once_validate_exactly_the_29_places_left(engine):
    with writing(engine) as db:
        organisers = [a_professional(db) for _ in range(10)]
        action = a_published_action(db, organisers=organisers)
        session = a_session(db, action=action, capacity=40, places_left=29)
        deferred = [
            a_registration(
                db,
                action=action,
                session=session,
                prescriber=organisers[0],
                status=RegistrationStatus.DEFERRED,
            ).id
            for _ in range(100)
        ]
        db.commit()
    batches = [deferred[start : start + 10] for start in range(0, 100, 10)]

    def validate(organiser_id, batch):
        with writing(engine) as db:
            result = change_status(
                db, by=organiser_id, registration_ids=batch, to_status=RegistrationStatus.VALIDATED
            )
        return result

    outcomes = run_together(
        [lambda o=o.id, b=b: validate(o, b) for o, b in zip(organisers, batches, strict=True)]
    )

    assert [outcome for outcome, _ in outcomes] == ["ok"] * 10
    results = [result for _, result in outcomes]
    assert sum(len(result.changed) for result in results) == 29
    refusals = [message for result in results for message in result.refused.values()]
    assert refusals == [SESSION_FULL] * 71
    with reading(engine) as db:
        assert db.get(Session, session.id).places_taken == 40
        holding = db.exec(
            select(func.count(Registration.id)).where(
                Registration.status.in_(list(PLACE_HOLDING_STATUSES))
            )
        ).one()
        assert holding == 29


def test_100_candidates_taking_a_slot_at_once_fill_exactly_its_29_places_left(engine):
    with writing(engine) as db:
        action = a_published_action(db)
        session = a_session(db, action=action, capacity=200, places_left=200)
        slot = a_slot(db, session=session, capacity=35, places_left=29)
        db.commit()

    def take():
        with writing(engine) as db:
            take_slot_place(db, slot=slot, employer_name="Boulangerie Dupont")
            db.commit()
        return ""

    outcomes = run_together([take] * 100)

    assert Counter(outcomes) == {("ok", ""): 29, ("NoPlaceLeft", SLOT_FULL): 71}
    with reading(engine) as db:
        assert db.get(Slot, slot.id).places_taken == 35
