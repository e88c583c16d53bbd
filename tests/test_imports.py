"""Import of the PLIE's participants: reading, mapping, dry run, idempotence, bad rows."""

import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import select

from plie.candidates import search_candidates
from plie.errors import InvalidInput, NotAllowed
from plie.imports import (
    Outcome,
    apply_import,
    guess_mapping,
    plan_import,
    read_table,
    remembered_mapping,
    tidy_name,
)
from plie.models import Candidate, ImportColumnMapping, ParticipantImport
from tests.builders import a_candidate, a_professional

SAMPLE = Path(__file__).parent / "data" / "participants-export.csv"


@pytest.fixture
def coordinator(db):
    return a_professional(db, is_coordinator=True)


@pytest.fixture
def sample():
    return read_table(SAMPLE.name, SAMPLE.read_bytes())


def outcomes(plan) -> dict[int, Outcome]:
    return {row.line: row.outcome for row in plan.rows}


def details(plan, outcome) -> dict[int, str]:
    return {row.line: row.detail for row in plan.of(outcome)}


def people(db) -> list[Candidate]:
    return list(db.exec(select(Candidate).order_by(Candidate.id)))


def test_the_dry_run_shows_created_conflicts_and_errors_and_writes_nothing(db, coordinator, sample):
    plan = plan_import(db, by=coordinator.id, table=sample, mapping=guess_mapping(sample.columns))

    assert plan.count(Outcome.CREATED) == 8
    assert details(plan, Outcome.CONFLICT) == {
        7: "La même personne figure déjà ligne 6 du fichier : cette ligne n'est pas importée."
    }
    assert details(plan, Outcome.ERROR) == {
        11: "Le champ « Nom » est obligatoire.",
        12: "La date de naissance « 31/02/1990 » n'existe pas dans le calendrier.",
        13: "La date de naissance « 12/05/90 » doit être au format jj/mm/aaaa.",
        14: "Le numéro de téléphone doit compter 10 chiffres, par exemple 06 12 34 56 78.",
        15: "L'adresse email n'est pas valide, par exemple prenom.nom@exemple.fr.",
    }
    assert people(db) == []
    assert db.exec(select(ImportColumnMapping)).all() == []


def test_the_import_writes_the_good_rows_in_french_forms(db, coordinator, sample):
    plan = apply_import(db, by=coordinator.id, table=sample, mapping=guess_mapping(sample.columns))

    assert plan.count(Outcome.CREATED) == 8 and plan.count(Outcome.ERROR) == 5
    found = {(c.last_name, c.first_name): c for c in people(db)}
    dupont = found[("Dupont-Martin", "Jean-Pierre")]
    assert (dupont.birth_date, dupont.phone, dupont.email) == (
        date(1985, 4, 3),
        "06 39 98 70 01",
        "jp.dupont@exemple.fr",
    )
    assert found[("N'Diaye", "Aïssatou")].phone == "06 39 98 70 02"
    assert found[("Da Silva", "Maria José")].birth_date == date(1979, 1, 7)
    assert found[("Da Silva", "Maria José")].phone == "06 39 98 70 03"
    assert found[("Lefèvre", "Éloïse")].phone == "06 39 98 70 04"
    assert found[("Lefèvre", "Éloïse")].email == "eloise.lefevre@exemple.fr"
    assert all(c.is_plie_participant for c in found.values())
    record = db.exec(select(ParticipantImport)).one()
    assert (record.created, record.conflicts, record.errors) == (8, 1, 5)


def test_the_same_file_imported_twice_changes_nothing(db, coordinator, sample):
    mapping = guess_mapping(sample.columns)
    apply_import(db, by=coordinator.id, table=sample, mapping=mapping)
    before = [(c.id, c.last_name, c.phone, c.email, c.viesion_id) for c in people(db)]

    again = apply_import(db, by=coordinator.id, table=sample, mapping=mapping)

    assert again.count(Outcome.CREATED) == 0 and again.count(Outcome.UPDATED) == 0
    assert again.count(Outcome.UNCHANGED) == 8
    assert [(c.id, c.last_name, c.phone, c.email, c.viesion_id) for c in people(db)] == before


def test_a_known_person_is_updated_and_marked_participant(db, coordinator):
    known = a_candidate(db, last_name="Lefèvre", first_name="Lucas", birth_date=date(1990, 5, 17))
    table = read_table(
        "export.csv",
        "Nom;Prénom;Né le;Portable\nLEFEVRE;LUCAS;17/05/1990;07 39 98 00 99\n".encode(),
    )

    plan = apply_import(
        db,
        by=coordinator.id,
        table=table,
        mapping={
            "last_name": "Nom",
            "first_name": "Prénom",
            "birth_date": "Né le",
            "phone": "Portable",
        },
    )

    assert details(plan, Outcome.UPDATED) == {2: "Téléphone, participant PLIE"}
    db.refresh(known)
    assert (known.phone, known.is_plie_participant, known.last_name) == (
        "07 39 98 00 99",
        True,
        "Lefèvre",
    )
    assert len(people(db)) == 1


def test_a_viesion_number_held_by_someone_else_is_a_conflict(db, coordinator):
    other = a_candidate(db, last_name="Autre", first_name="Personne")
    other.viesion_id = "VIE1"
    db.add(other)
    db.commit()
    table = read_table(
        "e.csv", "Nom,Prénom,Date de naissance,N° Viesion\nNeuf,Nom,01/02/1980,vie1\n".encode()
    )

    plan = plan_import(db, by=coordinator.id, table=table, mapping=guess_mapping(table.columns))

    assert details(plan, Outcome.CONFLICT) == {
        2: "Le N° Viesion VIE1 est déjà celui d'une personne du module dont le nom, le prénom "
        "ou la date de naissance diffèrent : vérifiez la ligne."
    }


def test_the_mapping_is_remembered_for_the_next_file(db, coordinator):
    table = read_table("export.csv", "Identité;Prénom usuel;DDN\nMoreau;Inès;02/03/1999\n".encode())
    mapping = {"last_name": "Identité", "first_name": "Prénom usuel", "birth_date": "DDN"}
    assert guess_mapping(table.columns) == {}

    apply_import(db, by=coordinator.id, table=table, mapping=mapping)

    assert remembered_mapping(db, columns=table.columns) == mapping


def test_a_required_field_without_column_is_refused_in_french(db, coordinator, sample):
    with pytest.raises(InvalidInput) as refused:
        plan_import(db, by=coordinator.id, table=sample, mapping={"last_name": "Nom"})

    assert refused.value.errors == {
        "first_name": "Choisissez la colonne du champ « Prénom ».",
        "birth_date": "Choisissez la colonne du champ « Date de naissance ».",
    }


def test_only_coordinators_import(db, sample):
    prescriber = a_professional(db)

    with pytest.raises(NotAllowed) as refused:
        plan_import(db, by=prescriber.id, table=sample, mapping=guess_mapping(sample.columns))

    assert refused.value.message == "Cette page est réservée aux coordinateurs du PLIE."


def test_an_excel_file_with_real_dates_and_numbers_is_read(db, coordinator):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NOM", "PRENOM", "DATE DE NAISSANCE", "TELEPHONE", "EMAIL"])
    sheet.append(["BLANC", "Élodie", datetime(1987, 8, 9), 639987020, "E.BLANC@EXEMPLE.FR"])
    sheet.append(["Colin", "Rémi", "09/10/1975", "+33639987021", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table("export.xlsx", buffer.getvalue())

    apply_import(db, by=coordinator.id, table=table, mapping=guess_mapping(table.columns))

    assert [(c.last_name, c.first_name, c.birth_date, c.phone, c.email) for c in people(db)] == [
        ("Blanc", "Élodie", date(1987, 8, 9), "06 39 98 70 20", "e.blanc@exemple.fr"),
        ("Colin", "Rémi", date(1975, 10, 9), "06 39 98 70 21", None),
    ]


def test_a_csv_saved_by_excel_in_windows_1252_keeps_its_accents(db, coordinator):
    content = "Nom;Prénom;Date de naissance\nGérard;Noël;01/12/1980\n".encode("cp1252")

    table = read_table("export.csv", content)

    assert table.columns == ["Nom", "Prénom", "Date de naissance"]
    assert table.rows == [
        (2, {"Nom": "Gérard", "Prénom": "Noël", "Date de naissance": "01/12/1980"})
    ]


def test_another_kind_of_file_is_refused_in_french():
    with pytest.raises(InvalidInput) as refused:
        read_table("export.pdf", b"%PDF")

    assert refused.value.message == (
        "Le fichier doit être un classeur Excel (.xlsx) ou un fichier CSV (.csv)."
    )


def test_names_written_in_capitals_take_french_capitalisation():
    assert tidy_name("DUPONT-MARTIN") == "Dupont-Martin"
    assert tidy_name("N'DIAYE") == "N'Diaye"
    assert tidy_name("da  silva") == "Da Silva"
    assert tidy_name("McDonald") == "McDonald"


def test_a_prescriber_finds_an_imported_participant_by_first_letters_and_birth_date(
    db, coordinator, sample
):
    apply_import(db, by=coordinator.id, table=sample, mapping=guess_mapping(sample.columns))

    found = search_candidates(db, last_name="dup", first_name="jea", birth_date=date(1985, 4, 3))

    assert [c.display_name for c in found] == ["DUPONT-MARTIN Jean-Pierre"]
