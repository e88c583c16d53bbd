"""A busy PLIE's data, of any size, written fast for the benchmarks.

`build(engine, registrations=N)` empties the database, migrates it, and writes:
- 40 structures, 400 prescribers, 20 organisers (one of them a coordinator), 60 published
  actions of two sessions each;
- N candidates and N registrations spread over the actions. The first action (the "big
  action") receives a tenth of them, as a popular recruitment session would; the prescriber
  `bench-prescriber@bench.example` sends one registration in a hundred, so "Mes candidats" grows
  with the data as a real counsellor's would. The big action's first session was held
  yesterday, so that its review ("Bilan") has half the big action's registrations to show.
Every registration has its session and its history, and the places taken match.
Rows go in with bulk INSERTs of 10,000, so 100,000 registrations take seconds, not minutes.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, update
from sqlmodel import SQLModel

from plie.dates import now, paris_instant, today_in_paris
from plie.db import prepare_database
from plie.enums import (
    PLACE_HOLDING_STATUSES,
    ActionType,
    EligibilityScheme,
    Gender,
    MemberRole,
    RegistrationStatus,
    SessionKind,
)
from plie.models import (
    Action,
    ActionMember,
    Candidate,
    Professional,
    Registration,
    RegistrationSession,
    Session,
    StatusChange,
    Structure,
)
from plie.text import search_key

BATCH = 10_000
ACTIONS = 60
PRESCRIBERS = 400
BENCH_PRESCRIBER = "bench-prescriber@bench.example"
BENCH_PILOT = "bench-pilot@bench.example"
BENCH_COORDINATOR = "bench-coordinator@bench.example"
STATES = [
    RegistrationStatus.PENDING,
    RegistrationStatus.VALIDATED,
    RegistrationStatus.ELIGIBILITY_VALIDATED,
    RegistrationStatus.REFUSED_BY_COMMISSION,
    RegistrationStatus.DEFERRED,
]
FIRST = "Marie Jean Nadia Karim Léa Hugo Inès Mamadou Chloé Théo Aïcha Louis".split()
LAST = "Martin Lefèvre Diallo Nguyen Dubois Haddad Garcia Roux Benali Morel Traoré Petit".split()


@dataclass
class Dataset:
    registrations: int
    big_action_id: int
    big_session_id: int
    prescriber_id: int
    pilot_id: int


def _insert(connection, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(model), rows[start : start + BATCH])


def build(engine, *, registrations: int, seed: int = 3) -> Dataset:
    import plie.models  # noqa: F401  (every table is known to the metadata)

    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    prepare_database(engine)
    rng = random.Random(seed)
    today = today_in_paris()
    created = now()
    with engine.begin() as connection:
        _insert(
            connection,
            Structure,
            [{"id": i, "name": f"Agence {i}"} for i in range(1, 41)],
        )
        professionals = [
            {
                "id": i,
                "email": f"pro{i}@bench.example",
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "structure_id": 1 + i % 40,
                "created_at": created,
                "is_admin": False,
                "is_coordinator": False,
                "can_pilot": i > PRESCRIBERS,
            }
            for i in range(1, PRESCRIBERS + 21)
        ]
        professionals[0]["email"] = BENCH_PRESCRIBER
        professionals[PRESCRIBERS]["email"] = BENCH_PILOT
        professionals[PRESCRIBERS + 19]["email"] = BENCH_COORDINATOR
        professionals[PRESCRIBERS + 19]["is_coordinator"] = True
        _insert(connection, Professional, professionals)
        pilot_id = PRESCRIBERS + 1

        actions, sessions, members = [], [], []
        for a in range(1, ACTIONS + 1):
            actions.append(
                {
                    "id": a,
                    "title": f"Action {a} : découverte des métiers",
                    "action_type": list(ActionType)[a % len(ActionType)],
                    "summary": "Une action du PLIE pour les benchmarks.",
                    "description": "",
                    "eligibility_scheme": EligibilityScheme.NONE,
                    "publication_start": today - timedelta(days=30),
                    "publication_end": today + timedelta(days=90),
                    "commune": "Grenoble",
                    "allows_self_registration": False,
                    "auto_validate": False,
                    "max_employers_per_candidate": 3,
                    "published_at": created,
                }
            )
            members.append(
                {"action_id": a, "professional_id": pilot_id + a % 20, "role": MemberRole.PILOT}
            )
            for s in range(2):
                day = today + timedelta(days=20 + a % 30 + s * 7)
                if a == 1 and s == 0:
                    # The big action's first session was held yesterday: its review is to record.
                    day = today - timedelta(days=1)
                sessions.append(
                    {
                        "id": a * 2 - 1 + s,
                        "action_id": a,
                        "label": f"Session {s + 1}",
                        "kind": SessionKind.WORKSHOP,
                        "starts_at": paris_instant(day, 9),
                        "ends_at": paris_instant(day, 12),
                        "place_name": "Maison de l'emploi",
                        "address": "1 place de la Gare, 38000 Grenoble",
                        "capacity": registrations,
                        "registration_deadline": day - timedelta(days=3),
                        "places_taken": 0,
                    }
                )
        members[0]["professional_id"] = pilot_id
        _insert(connection, Action, actions)
        _insert(connection, Session, sessions)
        _insert(connection, ActionMember, members)

        candidates, rows, links, history = [], [], [], []
        taken: dict[int, int] = {}
        for i in range(1, registrations + 1):
            last, first = f"{rng.choice(LAST)}{i}", rng.choice(FIRST)
            candidates.append(
                {
                    "id": i,
                    "last_name": last,
                    "first_name": first,
                    "birth_date": date(1965, 1, 1) + timedelta(days=rng.randrange(40 * 365)),
                    "last_name_key": search_key(last),
                    "first_name_key": search_key(first),
                    "gender": rng.choice(list(Gender)),
                    "is_plie_participant": False,
                    "created_at": created,
                }
            )
            action_id = 1 if i % 10 == 0 else 2 + i % (ACTIONS - 1)
            session_id = action_id * 2 - 1 + i % 2
            status = rng.choice(STATES)
            prescriber_id = 1 if i % 100 == 0 else 2 + i % (PRESCRIBERS - 1)
            rows.append(
                {
                    "id": i,
                    "action_id": action_id,
                    "candidate_id": i,
                    "prescriber_id": prescriber_id,
                    "status": status,
                    "is_self_registered": False,
                    "submitted_at": created,
                    "processed_at": None if status is RegistrationStatus.PENDING else created,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            links.append({"registration_id": i, "session_id": session_id})
            history.append(
                {
                    "registration_id": i,
                    "from_status": RegistrationStatus.DRAFT,
                    "to_status": RegistrationStatus.PENDING,
                    "by_id": prescriber_id,
                    "at": created,
                    "comment": "",
                }
            )
            if status in PLACE_HOLDING_STATUSES:
                taken[session_id] = taken.get(session_id, 0) + 1
        _insert(connection, Candidate, candidates)
        _insert(connection, Registration, rows)
        _insert(connection, RegistrationSession, links)
        _insert(connection, StatusChange, history)
        for session_id, count in taken.items():
            connection.execute(
                update(Session).where(Session.id == session_id).values(places_taken=count)
            )
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return Dataset(
        registrations=registrations,
        big_action_id=1,
        big_session_id=1,
        prescriber_id=1,
        pilot_id=pilot_id,
    )
