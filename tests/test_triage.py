"""Triage: filters, sort and search, refusal reasons, eligibility, bulk changes, Excel export."""

import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from sqlmodel import select

from plie import exports, triage
from plie.dates import today_in_paris
from plie.enums import EligibilityScheme, MemberRole, RegistrationStatus
from plie.errors import DomainError, InvalidInput
from plie.models import OutboxEmail, Registration, StatusChange
from plie.paging import page_of
from plie.queries import registration_view
from plie.registrations import save_registration
from plie.triage import TriageFilter
from tests.builders import STATISTICS_ANSWERED, a_candidate, a_member, a_professional, an_action
from tests.rows_read import rows_read

S = RegistrationStatus


@pytest.fixture
def pilot(db):
    return a_professional(db, first_name="Dominique", last_name="Pilote", can_pilot=True)


def register(db, action, prescriber, last_name, *, sessions=None):
    candidate = a_candidate(db, last_name=last_name, first_name="Zoé")
    return save_registration(
        db,
        by=prescriber.id,
        action_id=action.id,
        candidate_id=candidate.id,
        session_ids=[s.id for s in (sessions or action.sessions[:1])],
        submit=True,
        answers=STATISTICS_ANSWERED,
    )


def names(rows):
    return [row["Candidat"] for row in rows]


def test_filters_by_state_session_structure_date_and_search_combine(db, pilot):
    action = an_action(db, pilot=pilot, sessions=2)
    first, second = action.sessions
    ft, ml = a_professional(db), a_professional(db)
    martin = register(db, action, ft, "Martin")
    register(db, action, ml, "Lefèvre", sessions=[second])
    register(db, action, ft, "Durand", sessions=[second])
    triage.set_status(db, by=pilot.id, registration_ids=[martin.id], to_status=S.VALIDATED)

    def rows(**filters):
        return names(
            triage.triage_rows(db, by=pilot.id, filters=TriageFilter(action.id, **filters))
        )

    assert rows(sort="Candidat") == ["DURAND Zoé", "LEFÈVRE Zoé", "MARTIN Zoé"]
    assert rows(sort="Candidat", descending=True) == ["MARTIN Zoé", "LEFÈVRE Zoé", "DURAND Zoé"]
    assert rows(statuses=[S.VALIDATED]) == ["MARTIN Zoé"]
    assert rows(session_ids=[second.id], sort="Candidat") == ["DURAND Zoé", "LEFÈVRE Zoé"]
    assert rows(structure_ids=[ml.structure_id]) == ["LEFÈVRE Zoé"]
    assert rows(search="lefe") == ["LEFÈVRE Zoé"]
    assert rows(search="Zoé Lef") == ["LEFÈVRE Zoé"]
    assert rows(search="durand lef") == []
    assert rows(sent_from=today_in_paris() + timedelta(days=1)) == []
    assert len(rows(sent_from=today_in_paris(), sent_to=today_in_paris())) == 3
    assert rows(session_ids=[second.id], structure_ids=[ft.structure_id]) == ["DURAND Zoé"]


def test_the_table_across_my_actions_leaves_out_the_others(db, pilot):
    mine, theirs = an_action(db, pilot=pilot), an_action(db, pilot=a_professional(db))
    copiloted = an_action(db, pilot=a_professional(db))
    a_member(db, copiloted, pilot, MemberRole.COPILOT)
    prescriber = a_professional(db)
    register(db, mine, prescriber, "Martin")
    register(db, theirs, prescriber, "Durand")
    register(db, copiloted, prescriber, "Bernard")

    rows = triage.triage_rows(db, by=pilot.id, filters=TriageFilter(sort="Candidat"))

    assert names(rows) == ["BERNARD Zoé", "MARTIN Zoé"]


def test_counts_per_state_and_places_left_per_session_stay_in_view(db, pilot):
    action = an_action(db, pilot=pilot, capacity=3)
    prescriber = a_professional(db)
    first = register(db, action, prescriber, "Martin")
    register(db, action, prescriber, "Durand")
    triage.set_status(
        db,
        by=pilot.id,
        registration_ids=[first.id],
        to_status=S.REFUSED_BY_CANDIDATE,
        reason="Ne souhaite plus participer",
    )

    summary = triage.triage_summary(db, by=pilot.id, action_id=action.id)

    assert summary.counts == {"En attente - à traiter": 1, "Refusé par le candidat": 1}
    assert [(s["Session"], s["Places restantes"]) for s in summary.sessions] == [("Séance 1", 2)]


def test_a_refusal_takes_a_reason_from_the_list_and_keeps_it_in_the_history(db, pilot):
    action = an_action(db, pilot=pilot)
    registration = register(db, action, a_professional(db), "Martin")

    with pytest.raises(InvalidInput) as no_reason:
        triage.set_status(
            db,
            by=pilot.id,
            registration_ids=[registration.id],
            to_status=S.REFUSED_BY_COMMISSION,
            reason="Parce que",
        )
    with pytest.raises(InvalidInput) as other_without_comment:
        triage.set_status(
            db,
            by=pilot.id,
            registration_ids=[registration.id],
            to_status=S.REFUSED_BY_COMMISSION,
            reason="Autre",
        )
    triage.set_status(
        db,
        by=pilot.id,
        registration_ids=[registration.id],
        to_status=S.REFUSED_BY_COMMISSION,
        reason="Justificatifs manquants",
        comment="Pièce d'identité attendue",
    )

    assert str(no_reason.value) == "Choisissez le motif du refus dans la liste."
    assert str(other_without_comment.value) == "Précisez le motif « Autre » dans le commentaire."
    last = db.exec(select(StatusChange).order_by(StatusChange.id.desc())).first()
    assert (last.to_status, last.reason, last.comment) == (
        S.REFUSED_BY_COMMISSION,
        "Justificatifs manquants",
        "Pièce d'identité attendue",
    )
    file = registration_view(
        db, by=pilot.id, registration_id=registration.id, today=today_in_paris()
    )
    assert (file.history[-1]["Vers"], file.history[-1]["Motif"]) == (
        "Refusé par la commission",
        "Justificatifs manquants",
    )
    email = db.exec(select(OutboxEmail).where(OutboxEmail.key.startswith("status-change"))).one()
    assert "Motif : Justificatifs manquants. Pièce d'identité attendue" in email.body


def test_a_comment_longer_than_its_column_is_refused_in_french_and_nothing_changes(db, pilot):
    action = an_action(db, pilot=pilot)
    registration = register(db, action, a_professional(db), "Martin")

    with pytest.raises(InvalidInput) as refused:
        triage.set_status(
            db,
            by=pilot.id,
            registration_ids=[registration.id],
            to_status=S.VALIDATED,
            comment="x" * 1001,
        )

    assert str(refused.value) == "Le commentaire ne peut dépasser 1000 caractères."
    db.expire_all()
    assert db.get(Registration, registration.id).status is S.PENDING


def test_eligibility_is_its_own_decision_on_actions_that_ask_for_it(db, pilot):
    action = an_action(db, pilot=pilot)
    registration = register(db, action, a_professional(db), "Martin")

    with pytest.raises(DomainError) as no_scheme:
        triage.decide_eligibility(
            db, by=pilot.id, registration_ids=[registration.id], validated=True
        )
    with pytest.raises(DomainError) as through_the_state_list:
        triage.set_status(
            db, by=pilot.id, registration_ids=[registration.id], to_status=S.ELIGIBILITY_VALIDATED
        )
    action.eligibility_scheme = EligibilityScheme.FSE
    db.add(action)
    db.commit()
    result = triage.decide_eligibility(
        db, by=pilot.id, registration_ids=[registration.id], validated=False, comment="RSA ?"
    )

    assert str(no_scheme.value) == (
        "L'action « Atelier CV » ne demande pas d'éligibilité : choisissez directement un "
        "nouvel état."
    )
    assert str(through_the_state_list.value) == (
        "L'éligibilité se décide avec « Eligibilité validée » ou « Eligibilité non validée »."
    )
    assert result.changed == [registration.id]
    db.refresh(registration)
    assert registration.status is S.ELIGIBILITY_NOT_VALIDATED


def test_bulk_validation_of_fifty_names_what_does_not_fit_and_mails_each_prescriber_once(db, pilot):
    action = an_action(db, pilot=pilot, capacity=50)
    prescribers = [a_professional(db), a_professional(db)]
    registrations = [
        register(db, action, prescribers[index % 2], f"Candidat{chr(65 + index % 26)}{index}")
        for index in range(50)
    ]
    ids = [r.id for r in registrations]
    # Ten are deferred (places given back), then the session shrinks to 45 places.
    triage.set_status(db, by=pilot.id, registration_ids=ids[:10], to_status=S.DEFERRED)
    session = action.sessions[0]
    db.refresh(session)
    session.capacity = 45
    db.add(session)
    db.commit()
    db.exec(select(OutboxEmail)).all()
    emails_before = len(db.exec(select(OutboxEmail)).all())

    result = triage.set_status(db, by=pilot.id, registration_ids=ids, to_status=S.VALIDATED)

    assert len(result.changed) == 45
    assert sorted(result.refused) == ids[5:10]
    assert set(result.refused.values()) == {
        "La session « Séance 1 » est complète : il n'y reste plus de place."
    }
    message = triage.describe_result(result, S.VALIDATED, {ids[5]: "CANDIDATF5"})
    assert message.startswith(
        "45 inscriptions passées à l'état « Validé ». 5 inscriptions inchangées :"
    )
    assert "CANDIDATF5 : La session « Séance 1 » est complète" in message
    assert len(db.exec(select(OutboxEmail)).all()) - emails_before == 2


def test_the_export_is_the_filtered_table_and_no_cell_becomes_a_formula(db, pilot):
    action = an_action(db, pilot=pilot)
    prescriber = a_professional(db)
    for name in ('=HYPERLINK("http://x")', "+Martin", "-Durand", "@Bernard", "Petit"):
        candidate = a_candidate(db, last_name=name, first_name="Zoé")
        save_registration(
            db,
            by=prescriber.id,
            action_id=action.id,
            candidate_id=candidate.id,
            session_ids=[action.sessions[0].id],
            submit=True,
            answers=STATISTICS_ANSWERED,
        )
    petit = db.exec(select(Registration).order_by(Registration.id.desc())).first()
    triage.set_status(db, by=pilot.id, registration_ids=[petit.id], to_status=S.VALIDATED)

    content = exports.export_triage(
        db,
        by=pilot.id,
        filters=TriageFilter(action.id, statuses=[S.PENDING], sort="Candidat"),
    )

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(triage.COLUMNS)
    assert len(rows) == 5  # the header and the four pending ones, not the validated one
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert sorted(cell.value for cell in cells) == [
        "+MARTIN Zoé",
        "-DURAND Zoé",
        '=HYPERLINK("HTTP://X") Zoé',
        "@BERNARD Zoé",
    ]
    assert {cell.data_type for cell in cells} == {"s"}


def test_the_export_writes_dates_and_instants_as_excel_dates_in_paris_time(db, pilot):
    action = an_action(db, pilot=pilot)
    registration = register(db, action, a_professional(db), "Martin")
    # 22:30 in UTC on 1 July is half past midnight on 2 July in Paris (summer time).
    registration.submitted_at = datetime(2025, 7, 1, 22, 30, tzinfo=UTC)
    db.add(registration)
    db.commit()

    content = exports.export_triage(db, by=pilot.id, filters=TriageFilter(action.id))

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    born = sheet.cell(row=2, column=triage.COLUMNS.index("Né(e) le") + 1)
    sent = sheet.cell(row=2, column=triage.COLUMNS.index("Envoyée le") + 1)
    assert born.is_date and born.number_format == "dd/mm/yyyy"
    assert born.value == datetime(1990, 5, 17)
    assert sent.is_date and sent.number_format == "dd/mm/yyyy hh:mm"
    assert sent.value == datetime(2025, 7, 2, 0, 30)
    # The table on screen keeps its French text.
    row = triage.triage_rows(db, by=pilot.id, filters=TriageFilter(action.id))[0]
    assert (row["Né(e) le"], row["Envoyée le"]) == ("17/05/1990", "02/07/2025 00:30")


def seven_registrations(db, pilot, *, some_to_both_sessions=False):
    """An action of two sessions with seven registrations, two of them validated."""
    action = an_action(db, pilot=pilot, sessions=2)
    first, second = action.sessions
    prescriber = a_professional(db)
    registrations = [
        register(
            db,
            action,
            prescriber,
            name,
            sessions=[first, second] if some_to_both_sessions and i % 2 else [first],
        )
        for i, name in enumerate(["Martin", "Durand", "Bernard", "Petit", "Roux", "Morel", "Lévy"])
    ]
    triage.set_status(
        db,
        by=pilot.id,
        registration_ids=[registrations[0].id, registrations[3].id],
        to_status=S.VALIDATED,
    )
    return action


def test_a_page_of_the_table_reads_only_the_rows_it_shows(db, engine, pilot):
    action = seven_registrations(db, pilot)
    filters = TriageFilter(action.id, sort="Candidat", descending=True)
    everything = triage.triage_rows(db, by=pilot.id, filters=filters)

    with rows_read(engine) as reads:
        total = triage.triage_count(db, by=pilot.id, filters=filters)
        second = triage.triage_rows(db, by=pilot.id, filters=filters, page=page_of(total, 2, 3))

    assert total == 7
    assert second == everything[3:6]  # sorted by the database, the same rows as on one page
    assert second[0]["Sessions"] == everything[3]["Sessions"]
    assert reads.largest() <= 3
    assert len(reads.counts()) == len(reads.statements) <= 6


def test_pages_of_a_filtered_table_cover_its_rows_once_each_and_select_all_takes_them_all(
    db, pilot
):
    action = seven_registrations(db, pilot)
    filters = TriageFilter(action.id, statuses=[S.PENDING], search="r")

    total = triage.triage_count(db, by=pilot.id, filters=filters)
    pages = [
        triage.triage_rows(db, by=pilot.id, filters=filters, page=page_of(total, number, 2))
        for number in (1, 2)
    ]

    shown = [row["registration_id"] for page in pages for row in page]
    assert total == 4  # DURAND, BERNARD, ROUX, MOREL: pending, with an "r" in their names
    assert [len(page) for page in pages] == [2, 2]
    assert shown == triage.triage_ids(db, by=pilot.id, filters=filters)
    assert names(triage.triage_rows(db, by=pilot.id, filters=filters)) == [
        triage.triage_names(db, by=pilot.id, registration_ids=[i])[i] for i in shown
    ]
    assert page_of(total, 9, 2) == page_of(total, 2, 2)  # past the last page: the last one


def test_the_export_streams_every_filtered_row_not_only_a_page(db, pilot, monkeypatch):
    action = seven_registrations(db, pilot, some_to_both_sessions=True)
    monkeypatch.setattr(triage, "BATCH_SIZE", 2)  # four batches for seven rows

    content = exports.export_triage(db, by=pilot.id, filters=TriageFilter(action.id))

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    table = triage.triage_rows(db, by=pilot.id, filters=TriageFilter(action.id))
    assert len(rows) == 7
    assert [row[1] for row in rows] == names(table)
    assert [row[5] for row in rows] == [row["Sessions"] for row in table]
    assert {row[5] for row in rows} == {"Séance 1", "Séance 1, Séance 2"}


@pytest.mark.parametrize("sort", list(triage.SORTS))
def test_pages_follow_every_sort_of_the_whole_table(db, pilot, sort):
    action = seven_registrations(db, pilot)
    other = an_action(db, pilot=pilot)
    register(db, other, a_professional(db), "Zola")
    mine = a_professional(db)
    filters = TriageFilter(sort=sort, descending=True, structure_ids=[mine.structure_id])
    register(db, action, mine, "Arnaud")
    register(db, other, mine, "Bruel")

    everything = [
        row["registration_id"]
        for row in triage.triage_rows(db, by=pilot.id, filters=TriageFilter(sort=sort))
    ]
    paged = [
        row["registration_id"]
        for number in (1, 2, 3, 4)
        for row in triage.triage_rows(
            db, by=pilot.id, filters=TriageFilter(sort=sort), page=page_of(10, number, 3)
        )
    ]
    filtered = triage.triage_rows(db, by=pilot.id, filters=filters, page=page_of(2, 1, 3))

    assert paged == everything and len(everything) == 10
    assert sorted(names(filtered)) == ["ARNAUD Zoé", "BRUEL Zoé"]
    assert triage.triage_count(db, by=pilot.id, filters=filters) == 2
