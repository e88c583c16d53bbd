"""The workbook: its sheets and figures read back with openpyxl, its safety, who may export."""

import io
import json
from datetime import date, datetime

import openpyxl
import pytest
from sqlmodel import select

from plie.enums import EligibilityScheme
from plie.errors import NotAllowed
from plie.esf_export import ELIGIBILITY_COLUMN, SHEETS, export_register, export_workbook
from plie.models import EligibilityAnswer, Registration, StatisticsExport
from plie.statistics import UNAVAILABLE, check_filters
from plie.workbook import clean_text
from tests.builders import a_professional
from tests.stat_builders import (
    YEAR_2025,
    a_person,
    a_registration,
    an_action_on,
    build_hand_data,
)

FSE = EligibilityScheme.FSE


def export(db, professional, **chosen) -> openpyxl.Workbook:
    output = io.BytesIO()
    export_workbook(
        db, by=professional.id, filters=check_filters(**{**YEAR_2025, **chosen}), output=output
    )
    output.seek(0)
    return openpyxl.load_workbook(output)


def table(sheet, header_text: str) -> list[dict]:
    """The rows under the header line whose first cell is `header_text`, as dicts."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == header_text)
    header = rows[start]
    return [dict(zip(header, row, strict=False)) for row in rows[start + 1 :] if any(row)]


@pytest.fixture
def hand_data(db):
    return build_hand_data(db)


@pytest.fixture
def coordinator(db):
    return a_professional(db, is_coordinator=True)


def test_the_workbook_has_its_five_sheets_in_order(db, hand_data, coordinator):
    assert export(db, coordinator).sheetnames == list(SHEETS)


def test_synthesis_sheet_shows_the_hand_counted_figures(db, hand_data, coordinator):
    sheet = export(db, coordinator)["Synthèse"]
    rows = {(r["Rubrique"], r["Modalité"]): (r["Inscriptions"], r["Candidats distincts"]) for r in
            table(sheet, "Rubrique")}  # fmt: skip

    assert rows[("Etat de l'inscription", "Validé")] == (4, 4)
    assert rows[("Genre", "Homme")] == (3, 2)
    assert rows[("Âge à l'entrée", "18-25 ans")] == (3, 2)
    assert rows[("18-30 ans ou plus de 55 ans", "Oui")] == (5, 4)
    assert rows[("QPV", "Non renseigné")] == (1, 1)
    assert [row[1:3] for row in sheet.iter_rows(min_row=3, max_row=4, values_only=True)] == [
        (7, None),
        (6, None),
    ]


def test_indicators_sheet_gives_women_men_total_and_the_rule(db, hand_data, coordinator):
    rows = {r["Code"]: r for r in table(export(db, coordinator)["Indicateurs FSE+"], "Code")}

    assert [rows["EECO01"][k] for k in ("Femmes", "Hommes", "Genre non renseigné", "Total")] == [
        3, 2, 1, 6
    ]  # fmt: skip
    assert rows["EECO07"]["Total"] == 3
    assert rows["EECO07"]["Règle appliquée"].startswith("Âge à l'entrée de 18 à 29 ans")
    assert rows["EECO03"]["Total"] is None
    assert rows["EECO03"]["Règle appliquée"].startswith("Non calculable : ")


def test_no_indicator_says_the_eligibility_answers_are_not_recorded(db, hand_data, coordinator):
    """The answers are recorded and counted in the synthesis: the rules must not deny it."""
    rows = table(export(db, coordinator)["Indicateurs FSE+"], "Code")

    assert [row["Code"] for row in rows if "pas encore" in row["Règle appliquée"]] == []


def test_participants_sheet_has_real_dates_numbers_and_formatting(db, hand_data, coordinator):
    sheet = export(db, coordinator)["Participants"]
    rows = table(sheet, "N° Viesion")

    assert len(rows) == 7
    alice = next(row for row in rows if row["Nom"] == "Alice")
    assert alice["Date de naissance"] == datetime(2007, 3, 1)
    assert alice["Date d'entrée"] == datetime(2025, 3, 1)
    assert alice["Âge à l'entrée"] == 18
    assert alice["Groupe CITE"] == "0-2"
    assert alice["Ancien niveau"] == "V bis"
    birth = next(c for c in sheet[2] if c.column_letter == "F")
    assert birth.is_date and birth.number_format == "dd/mm/yyyy"
    age = next(c for c in sheet[2] if c.column_letter == "G")
    assert age.data_type == "n"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}8"
    assert sheet.column_dimensions["P"].width > len("Formation B")


def test_text_beginning_like_a_formula_stays_text(db, coordinator):
    action, sessions = an_action_on(db, '=HYPERLINK("http://x")', date(2025, 5, 5))
    for name in ("=1+1", "+33 6 00", "-2", "@SUM(A1)"):
        a_registration(db, a_person(db, name, born=date(1990, 1, 1)), action, sessions)

    sheet = export(db, coordinator)["Participants"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row[2:3]}
    action_cell = sheet.cell(2, 16)

    assert set(cells) == {"=1+1", "+33 6 00", "-2", "@SUM(A1)"}
    for cell in [*cells.values(), action_cell]:
        assert cell.data_type == "s"
        assert cell.quotePrefix is True
    assert action_cell.value == '=HYPERLINK("http://x")'


def test_characters_excel_refuses_are_removed(db, coordinator):
    action, sessions = an_action_on(db, "Atelier\x0b bis\ufffe", date(2025, 5, 5))
    person = a_person(db, "Du\x01pont\x1f", born=date(1990, 1, 1), viesion_id="VIE\x07001")
    a_registration(db, person, action, sessions)

    row = table(export(db, coordinator)["Participants"], "N° Viesion")[0]

    assert row["Nom"] == "Dupont"
    assert row["N° Viesion"] == "VIE001"
    assert row["Action"] == "Atelier bis"


def test_quality_sheet_lists_the_records_to_complete(db, hand_data, coordinator):
    rows = table(export(db, coordinator)["Qualité des données"], "Nom")

    assert sorted((row["Nom"], row["Champ à compléter"]) for row in rows) == [
        ("Chloé", "QPV"),
        ("David", "Genre"),
        ("David", "Niveau de qualification"),
    ]


def test_method_sheet_states_filters_author_and_what_is_missing(db, hand_data, coordinator):
    rows = table(export(db, coordinator)["Méthode"], "Élément")
    method = {row["Élément"]: row["Valeur ou règle"] for row in rows}
    missing = [row["Valeur ou règle"] for row in rows if row["Élément"] == "Non disponible"]

    assert method["Exporté par"] == coordinator.display_name
    assert isinstance(method["Date de l'export"], datetime)
    assert method["Filtre : Période"] == "du 01/01/2025 au 31/12/2025 inclus"
    assert method["Filtre : Période appréciée selon"] == "Date de session"
    assert missing == []
    assert set(UNAVAILABLE) == {"eligibility", "attendance", "outcome"}


def test_only_coordinators_see_the_eligibility_answers_per_person(db, hand_data, coordinator):
    admin = a_professional(db, is_admin=True)

    assert ELIGIBILITY_COLUMN in table(export(db, coordinator)["Participants"], "N° Viesion")[0]
    assert ELIGIBILITY_COLUMN not in table(export(db, admin)["Participants"], "N° Viesion")[0]


def test_sensitive_criteria_are_counted_but_never_listed_per_person(db, hand_data, coordinator):
    workshop_registration = db.exec(
        select(Registration).where(Registration.action_id == hand_data.workshop.id)
    ).first()
    for value in ("rsa", "deld"):
        db.add(
            EligibilityAnswer(
                registration_id=workshop_registration.id, field="statistics", value=value
            )
        )
    db.commit()
    workbook = export(db, coordinator)

    listed = [row[ELIGIBILITY_COLUMN] for row in table(workbook["Participants"], "N° Viesion")]
    assert any("DELD" in (cell or "") for cell in listed)
    assert not any("RSA" in (cell or "") for cell in listed)
    synthesis = {r["Modalité"]: r["Inscriptions"] for r in table(workbook["Synthèse"], "Rubrique")}
    assert synthesis["Aucune – RSA"] == 1


def test_participant_plie_agrees_with_the_answers_and_the_import(db, coordinator):
    fse, fse_sessions = an_action_on(db, "Parcours FSE", date(2025, 5, 5), scheme=FSE)
    workshop, workshop_sessions = an_action_on(db, "Atelier CV", date(2025, 6, 5))
    declared = a_registration(db, a_person(db, "Declare", born=date(1990, 1, 1)), fse, fse_sessions)
    ticked = a_registration(
        db, a_person(db, "Coche", born=date(1990, 1, 1)), workshop, workshop_sessions
    )
    imported = a_person(db, "Importe", born=date(1990, 1, 1))
    imported.is_plie_participant = True  # marked by the import from the follow-up software
    said_no = a_registration(db, imported, fse, fse_sessions)
    a_registration(db, a_person(db, "Aucun", born=date(1990, 1, 1)), workshop, workshop_sessions)
    db.add_all(
        [
            EligibilityAnswer(registration_id=declared.id, field="plie_participant", value="oui"),
            EligibilityAnswer(registration_id=ticked.id, field="statistics", value="plie"),
            EligibilityAnswer(registration_id=said_no.id, field="plie_participant", value="non"),
        ]
    )
    db.commit()

    workbook = export(db, coordinator)

    rows = {row["Nom"]: row for row in table(workbook["Participants"], "N° Viesion")}
    assert rows["Declare"][ELIGIBILITY_COLUMN] == "FSE : Participant du PLIE : Oui"
    assert {name: row["Participant PLIE"] for name, row in rows.items()} == {
        "Declare": "Oui",
        "Coche": "Oui",
        "Importe": "Oui",
        "Aucun": "Non",
    }
    method = {r["Élément"]: r["Valeur ou règle"] for r in table(workbook["Méthode"], "Élément")}
    assert "logiciel de suivi" in method["Règle : Participant PLIE"]


def test_a_prescriber_may_not_export(db, hand_data):
    prescriber = a_professional(db)

    with pytest.raises(NotAllowed) as refused:
        export(db, prescriber)
    assert refused.value.message == "Cette page est réservée aux coordinateurs du PLIE."
    assert db.exec(select(StatisticsExport)).all() == []


def test_each_export_is_recorded_without_personal_data(db, hand_data, coordinator):
    export(db, coordinator, action_ids=[hand_data.workshop.id])

    record = db.exec(select(StatisticsExport)).one()
    assert record.professional_id == coordinator.id
    assert (record.registrations, record.candidates) == (4, 4)
    assert json.loads(record.filters)["action_ids"] == [hand_data.workshop.id]
    assert "Alice" not in record.filters
    register = export_register(db, by=coordinator.id)
    assert [(row["Par"], row["Inscriptions"]) for row in register] == [
        (coordinator.display_name, 4)
    ]


def test_progress_is_reported_up_to_the_end(db, hand_data, coordinator):
    seen = []
    export_workbook(
        db,
        by=coordinator.id,
        filters=check_filters(**YEAR_2025),
        output=io.BytesIO(),
        progress=seen.append,
    )
    assert seen[-1] == 1.0


def test_nul_and_lone_surrogates_are_removed_too():
    # PostgreSQL stores neither, but an import or another database might hand them over.
    assert clean_text("A\x00B\ud800C\uffffD") == "ABCD"
