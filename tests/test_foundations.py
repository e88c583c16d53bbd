"""Dates in Paris time, settings, the demo data, and the direction of imports."""

import ast
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from plie.dates import format_datetime, format_span, format_week, paris_instant
from plie.db import writing
from plie.demo import load_demo_data
from plie.enums import EligibilityScheme
from plie.models import Action, Candidate, Employer, Professional, Registration, Slot
from plie.settings import SettingsError, load_settings
from plie.text import counted

ROOT = Path(__file__).resolve().parent.parent


def test_instants_are_shown_in_paris_time_in_winter_and_summer():
    assert format_datetime(datetime(2026, 1, 13, 8, 0, tzinfo=UTC)) == "13/01/2026 09:00"
    assert format_datetime(datetime(2026, 7, 13, 8, 0, tzinfo=UTC)) == "13/07/2026 10:00"


def test_spans_read_as_in_the_guide():
    day = date(2026, 1, 13)
    assert format_span(paris_instant(day, 9), paris_instant(day, 12)) == (
        "13 janv. 2026 de 09h00 à 12h00"
    )
    assert (
        format_span(paris_instant(date(2026, 1, 26), 9), paris_instant(date(2026, 1, 30), 17))
        == "Du 26 janv. 2026 09h00 au 30 janv. 2026 17h00"
    )


def test_a_week_reads_as_its_iso_number_and_its_monday_in_french():
    assert format_week(date(2026, 3, 16)) == "S12 – 16 mars"
    # ISO week 1 of 2026 begins on Monday 29 December 2025.
    assert format_week(date(2025, 12, 29), with_year=True) == "S1 – 29 déc. 2025"


def test_instants_come_back_from_the_database_aware_and_in_utc(db):
    load_demo_data(db)
    action = db.exec(select(Action)).first()
    assert action.sessions[0].starts_at.tzinfo is UTC


def test_a_placeholder_secret_is_refused(tmp_path):
    with pytest.raises(SettingsError) as refused:
        load_settings({"PLIE_COOKIE_KEY": "changeme"}, secrets_file=tmp_path / "none.toml")
    assert "cookie_key" in str(refused.value)


def test_outside_demo_mode_a_real_cookie_key_is_required(tmp_path):
    with pytest.raises(SettingsError):
        load_settings({"PLIE_DEMO_MODE": "false"}, secrets_file=tmp_path / "none.toml")


def test_the_environment_wins_over_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[plie]\ndatabase_url = "sqlite:///from-file.db"\n')
    settings = load_settings({"DATABASE_URL": "sqlite:///from-env.db"}, secrets_file=secrets)
    assert settings.database_url == "sqlite:///from-env.db"


def test_the_demo_holds_the_guide_actions(db):
    assert load_demo_data(db, today=date(2026, 12, 4)) is True

    actions = {a.title: a for a in db.exec(select(Action))}
    chantier = actions["Découverte d'un chantier école bâtiment au féminin"]
    session = chantier.sessions[0]
    assert (session.capacity, session.places_left) == (30, 29)
    assert session.place_name == "La Machinerie"
    assert session.registration_deadline == date(2027, 1, 12)
    assert (
        actions["Dispositif Clause emploi – Orientation Work 2000"].eligibility_scheme
        is EligibilityScheme.CLAUSE
    )
    assert {a.eligibility_scheme for a in actions.values()} == set(EligibilityScheme)
    # Two employers at the session to come, two at the past one whose review is to record.
    assert len(db.exec(select(Employer)).all()) == 4
    assert [s.capacity for s in db.exec(select(Slot))] == [5] * 8
    # Fifty candidates, plus one entered twice with a spelling slip and a pair of twins.
    assert len(db.exec(select(Candidate)).all()) == 53
    assert all(p.email.endswith(".example") for p in db.exec(select(Professional)))


def test_the_demo_is_loaded_once(db):
    load_demo_data(db)
    count = len(db.exec(select(Registration)).all())
    assert load_demo_data(db) is False
    assert len(db.exec(select(Registration)).all()) == count


def test_the_domain_never_imports_streamlit():
    for path in (ROOT / "plie").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in getattr(node, "names", [])]
                if isinstance(node, ast.Import)
                else [getattr(node, "module", "") or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] in {"streamlit", "ui"} for n in names), path


def test_servers_starting_together_load_the_demo_once(engine):
    """Two app servers on one empty database, each loading the demo at the same moment."""
    barrier = threading.Barrier(2)
    loaded = []

    def start_a_server():
        with writing(engine) as db:
            barrier.wait()
            loaded.append(load_demo_data(db, today=date(2026, 12, 4)))
            db.commit()

    threads = [threading.Thread(target=start_a_server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(loaded) == [False, True]
    with writing(engine) as db:
        titles = [title for title in db.exec(select(Action.title))]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 ligne"), (1, "1 ligne"), (2, "2 lignes"), (1000, "1000 lignes")],
)
def test_a_count_agrees_its_noun_in_french(count, expected):
    assert counted(count, "ligne") == expected


def test_a_count_agrees_every_word_given_for_the_plural():
    assert counted(1, "inscription passée", "inscriptions passées") == "1 inscription passée"
    assert counted(3, "inscription passée", "inscriptions passées") == "3 inscriptions passées"
