"""Session reviews: recording many candidates at once, locking, reopening, reading."""

import pytest
from sqlmodel import select

from plie.enums import Attendance, MemberRole
from plie.errors import DomainError, InvalidInput, NotAllowed, ReviewLocked
from plie.models import OutboxEmail, ReviewChange, ReviewEntry, ReviewOutcome, ReviewVersion
from plie.queries import my_candidates
from plie.review_views import (
    prescriber_review,
    registration_review,
    review_page,
    review_sheet,
)
from plie.reviews import (
    EmployerOutcomeInput,
    ReviewLineInput,
    lock_review,
    record_review,
    reopen_review,
)
from tests.builders import a_co_prescriber, a_member, a_professional, an_action
from tests.review_builders import (
    a_registered_candidate,
    a_reviewable_action,
    a_session_that_started,
    employers_at,
)
from tests.rows_read import rows_read

A = Attendance
LOCKED = (
    "Le bilan de la session « Session d'il y a 3 jours » est verrouillé : plus rien n'y change. "
    "Seul le pilote de l'action peut le rouvrir."
)


@pytest.fixture
def recruitment(db):
    """A recruitment session held three days ago with two employers and two candidates."""
    pilot = a_professional(db, first_name="Dominique", last_name="Pilote")
    prescriber = a_professional(db, first_name="Lucie", last_name="Conseil")
    action, session = a_reviewable_action(db, pilot=pilot)
    first, second = employers_at(db, session, "Logistique Alpes", "Propreté Dauphiné")
    came = a_registered_candidate(db, session, prescriber, last_name="Benali")
    missed = a_registered_candidate(db, session, prescriber, last_name="Garcia")
    return pilot, prescriber, action, session, (first, second), came, missed


def both_lines(came, missed, first, second):
    return [
        ReviewLineInput(
            registration_id=came.id,
            attendance=A.PRESENT,
            comment="Très motivé",
            employers={
                first: EmployerOutcomeInput("temp_mission", "Démarre lundi"),
                second: EmployerOutcomeInput("first_interview"),
            },
        ),
        ReviewLineInput(registration_id=missed.id, attendance=A.EXCUSED),
    ]


def recorded_and_locked(db, recruitment):
    pilot, _, _, session, (first, second), came, missed = recruitment
    record_review(
        db, by=pilot.id, session_id=session.id, lines=both_lines(came, missed, first, second)
    )
    lock_review(db, by=pilot.id, session_id=session.id)


def test_many_candidates_are_recorded_at_once_with_an_outcome_per_employer(db, recruitment):
    pilot, _, _, session, (first, second), came, missed = recruitment

    changed = record_review(
        db, by=pilot.id, session_id=session.id, lines=both_lines(came, missed, first, second)
    )

    entries = {e.registration_id: e for e in db.exec(select(ReviewEntry)).all()}
    assert (entries[came.id].attendance, entries[came.id].comment) == (A.PRESENT, "Très motivé")
    assert entries[missed.id].attendance is A.EXCUSED
    outcomes = {(o.registration_id, o.employer_id): o for o in db.exec(select(ReviewOutcome))}
    assert outcomes[(came.id, first)].outcome == "temp_mission"
    assert outcomes[(came.id, first)].comment == "Démarre lundi"
    assert outcomes[(came.id, second)].outcome == "first_interview"
    assert changed == 6
    history = db.exec(select(ReviewChange).order_by(ReviewChange.id)).all()
    assert ("Présence", "", "Présent", pilot.id) in [
        (c.what, c.before, c.after, c.by_id) for c in history
    ]


def test_one_wrong_line_saves_nothing_and_names_the_candidate(db, recruitment):
    pilot, _, _, session, (first, _), came, missed = recruitment
    lines = [
        ReviewLineInput(registration_id=came.id, attendance=A.PRESENT),
        ReviewLineInput(
            registration_id=missed.id,
            attendance=A.ABSENT,
            employers={first: EmployerOutcomeInput("permanent")},
        ),
    ]

    with pytest.raises(InvalidInput) as refused:
        record_review(db, by=pilot.id, session_id=session.id, lines=lines)

    assert refused.value.message == (
        "GARCIA Lucas : seul un candidat présent peut avoir une suite donnée."
    )
    db.rollback()
    assert db.exec(select(ReviewEntry)).all() == []


def test_an_outcome_outside_the_plie_list_is_refused(db, recruitment):
    pilot, _, _, session, (first, _), came, _ = recruitment
    line = ReviewLineInput(
        registration_id=came.id,
        attendance=A.PRESENT,
        employers={first: EmployerOutcomeInput("astronaut")},
    )

    with pytest.raises(InvalidInput) as refused:
        record_review(db, by=pilot.id, session_id=session.id, lines=[line])

    assert refused.value.message == (
        "BENALI Lucas : cette suite donnée n'est pas dans la liste du PLIE."
    )


def test_a_session_still_to_come_has_no_review_yet(db):
    pilot = a_professional(db)
    prescriber = a_professional(db)
    action = an_action(db, pilot=pilot)
    registration = a_registered_candidate(db, action.sessions[0], prescriber)

    with pytest.raises(DomainError) as refused:
        record_review(
            db,
            by=pilot.id,
            session_id=action.sessions[0].id,
            lines=[ReviewLineInput(registration.id, A.PRESENT)],
        )

    assert refused.value.message == (
        "La session « Séance 1 » n'a pas encore eu lieu : son bilan se saisit à partir de son "
        "début."
    )


def test_a_partner_records_the_review_and_a_prescriber_may_not(db, recruitment):
    _, prescriber, action, session, _, came, _ = recruitment
    partner = a_professional(db, first_name="Sacha", last_name="Partenaire")
    a_member(db, action, partner, MemberRole.PARTNER)
    line = ReviewLineInput(registration_id=came.id, attendance=A.PRESENT)

    record_review(db, by=partner.id, session_id=session.id, lines=[line])
    with pytest.raises(NotAllowed) as refused:
        record_review(db, by=prescriber.id, session_id=session.id, lines=[line])

    assert refused.value.message == "Seuls les organisateurs de l'action peuvent saisir ses bilans."


def test_locking_asks_for_the_attendance_of_every_candidate(db, recruitment):
    pilot, _, _, session, _, came, _ = recruitment
    record_review(
        db, by=pilot.id, session_id=session.id, lines=[ReviewLineInput(came.id, A.PRESENT)]
    )

    with pytest.raises(DomainError) as refused:
        lock_review(db, by=pilot.id, session_id=session.id)

    assert refused.value.message == (
        "Saisissez la présence de chaque candidat avant de verrouiller le bilan. "
        "Elle manque pour : GARCIA Lucas."
    )


def test_locking_emails_each_prescriber_and_co_prescriber_once_with_the_link(db, recruitment):
    _, prescriber, _, session, _, came, missed = recruitment
    colleague = a_professional(db, first_name="Noé", last_name="Jeunes")
    a_co_prescriber(db, came.id, colleague)

    recorded_and_locked(db, recruitment)

    emails = db.exec(select(OutboxEmail).order_by(OutboxEmail.to_address)).all()
    assert sorted(e.to_address for e in emails) == sorted([prescriber.email, colleague.email])
    mine = next(e for e in emails if e.to_address == prescriber.email)
    assert mine.subject == f"Bilan disponible : Atelier CV – {session.label}"
    assert "- BENALI Lucas\n- GARCIA Lucas\n" in mine.body
    assert f"http://localhost:8501/bilan?session={session.id}" in mine.body
    theirs = next(e for e in emails if e.to_address == colleague.email)
    assert "BENALI Lucas" in theirs.body and "GARCIA Lucas" not in theirs.body


def test_only_the_pilot_reopens_giving_a_reason_and_the_locked_version_is_kept(db, recruitment):
    pilot, prescriber, action, session, (first, second), came, missed = recruitment
    copilot = a_professional(db, first_name="Camille", last_name="Copilote")
    a_member(db, action, copilot, MemberRole.COPILOT)
    recorded_and_locked(db, recruitment)

    with pytest.raises(NotAllowed) as refused:
        reopen_review(db, by=copilot.id, session_id=session.id, reason="Erreur")
    assert refused.value.message == "Seul le pilote de l'action peut rouvrir un bilan verrouillé."
    with pytest.raises(InvalidInput) as no_reason:
        reopen_review(db, by=pilot.id, session_id=session.id, reason="  ")
    assert no_reason.value.message == "Indiquez le motif de la réouverture du bilan."

    reopen_review(db, by=pilot.id, session_id=session.id, reason="Présence mal saisie")
    corrected = both_lines(came, missed, first, second)
    corrected[1].attendance = A.ABSENT
    record_review(db, by=copilot.id, session_id=session.id, lines=corrected)

    version = db.exec(select(ReviewVersion)).one()
    assert (version.number, version.reopen_reason, version.reopened_by_id) == (
        1,
        "Présence mal saisie",
        pilot.id,
    )
    sheet = review_sheet(db, by=pilot.id, session_id=session.id)
    kept = {line.candidate: line.attendance for line in sheet.versions[0]["lines"]}
    assert kept == {"BENALI Lucas": "Présent", "GARCIA Lucas": "Excusé"}
    assert [
        (c["Par"], c["Candidat"], c["Champ"], c["Avant"], c["Après"])
        for c in sheet.changes_after_reopening
    ] == [("COPILOTE Camille", "GARCIA Lucas", "Présence", "Excusé", "Absent")]
    # While it is being corrected, prescribers still read the locked version.
    shown = prescriber_review(db, by=prescriber.id, session_id=session.id)
    assert [line.attendance for line in shown.lines] == ["Présent", "Excusé"]
    assert shown.reopened_reason == "Présence mal saisie"


def test_locking_again_after_a_correction_emails_the_prescribers_again(db, recruitment):
    pilot, prescriber, _, session, _, _, _ = recruitment
    recorded_and_locked(db, recruitment)
    reopen_review(db, by=pilot.id, session_id=session.id, reason="Correction")

    lock_review(db, by=pilot.id, session_id=session.id)

    emails = db.exec(select(OutboxEmail).where(OutboxEmail.to_address == prescriber.email))
    assert len(emails.all()) == 2


def test_prescribers_read_only_their_own_candidates_lines(db, recruitment):
    pilot, prescriber, _, session, _, came, _ = recruitment
    other = a_professional(db, first_name="Yanis", last_name="Solidaire")
    theirs = a_registered_candidate(db, session, other, last_name="Moreau")
    record_review(
        db,
        by=pilot.id,
        session_id=session.id,
        lines=[ReviewLineInput(r.id, A.PRESENT) for r in (came, theirs)]
        + [ReviewLineInput(recruitment[6].id, A.ABSENT)],
    )
    lock_review(db, by=pilot.id, session_id=session.id)

    shown = prescriber_review(db, by=other.id, session_id=session.id)

    assert [line.candidate for line in shown.lines] == ["MOREAU Lucas"]
    assert [
        line.candidate for line in registration_review(db, by=other.id, registration_id=theirs.id)
    ] == ["MOREAU Lucas"]
    with pytest.raises(NotAllowed):
        registration_review(db, by=other.id, registration_id=came.id)


def test_a_review_not_locked_yet_is_not_shown_to_prescribers(db, recruitment):
    pilot, prescriber, _, session, _, came, missed = recruitment
    record_review(
        db, by=pilot.id, session_id=session.id, lines=[ReviewLineInput(came.id, A.PRESENT)]
    )

    with pytest.raises(DomainError) as refused:
        prescriber_review(db, by=prescriber.id, session_id=session.id)

    assert refused.value.message == (
        "Le bilan de cette session n'est pas encore verrouillé par l'organisateur."
    )
    assert {row["Présence"] for row in my_candidates(db, professional_id=prescriber.id)} == {""}


def test_mes_candidats_shows_attendance_and_outcomes_of_a_locked_review(db, recruitment):
    _, prescriber, _, session, _, came, missed = recruitment
    recorded_and_locked(db, recruitment)

    rows = {row["Candidat"]: row for row in my_candidates(db, professional_id=prescriber.id)}

    assert rows["BENALI Lucas"]["Présence"] == "Présent"
    assert rows["BENALI Lucas"]["Suite donnée"] == (
        "Logistique Alpes : Mission d'intérim · Propreté Dauphiné : 1er entretien"
    )
    assert rows["BENALI Lucas"]["Bilan"] == "Consulter le bilan"
    assert rows["GARCIA Lucas"]["Présence"] == "Excusé"
    assert rows["GARCIA Lucas"]["Suite donnée"] == ""
    assert rows["GARCIA Lucas"]["session_id"] == session.id


def test_a_session_without_employers_has_one_outcome_per_candidate(db):
    pilot, prescriber = a_professional(db), a_professional(db)
    _, session = a_reviewable_action(db, pilot=pilot)
    registration = a_registered_candidate(db, session, prescriber)
    line = ReviewLineInput(registration.id, A.PRESENT, outcome="training")

    record_review(db, by=pilot.id, session_id=session.id, lines=[line])
    lock_review(db, by=pilot.id, session_id=session.id)

    [row] = my_candidates(db, professional_id=prescriber.id)
    assert row["Suite donnée"] == "Formation"


def test_another_session_of_the_action_is_not_locked_by_this_review(db, recruitment):
    pilot, prescriber, action, session, _, _, _ = recruitment
    later = a_session_that_started(db, action, days_ago=1)
    elsewhere = a_registered_candidate(db, later, prescriber, last_name="Nguyen")
    recorded_and_locked(db, recruitment)

    record_review(
        db, by=pilot.id, session_id=later.id, lines=[ReviewLineInput(elsewhere.id, A.PRESENT)]
    )

    assert db.exec(select(ReviewEntry).where(ReviewEntry.session_id == later.id)).one()
    with pytest.raises(ReviewLocked) as refused:
        record_review(db, by=pilot.id, session_id=session.id, lines=[])
    assert refused.value.message == LOCKED


def test_a_page_of_the_review_reads_only_its_candidates(db, engine, recruitment):
    pilot, prescriber, _, session, (first, second), came, missed = recruitment
    third = a_registered_candidate(db, session, prescriber, last_name="Diallo")
    lines = [*both_lines(came, missed, first, second), ReviewLineInput(third.id, A.PRESENT)]
    record_review(db, by=pilot.id, session_id=session.id, lines=lines)

    sheet = review_sheet(db, by=pilot.id, session_id=session.id)
    with rows_read(engine) as reads:
        middle = review_page(db, by=pilot.id, session_id=session.id, page=sheet.page(2, 1))
    opening = review_page(db, by=pilot.id, session_id=session.id, page=sheet.page(1, 1))

    assert sheet.candidates == 3
    assert [(line.candidate, line.attendance) for line in middle.lines] == [
        ("DIALLO Lucas", "Présent")
    ]
    assert list(middle.entries) == [third.id] and middle.outcomes == {}
    assert reads.largest() <= 1
    assert [line.candidate for line in opening.lines] == ["BENALI Lucas"]
    assert sorted(opening.outcomes) == [(came.id, first), (came.id, second)]


def test_saving_one_page_changes_its_candidates_only_and_locking_still_asks_for_all(
    db, engine, recruitment
):
    pilot, prescriber, _, session, (first, second), came, missed = recruitment
    a_registered_candidate(db, session, prescriber, last_name="Diallo")
    record_review(
        db, by=pilot.id, session_id=session.id, lines=both_lines(came, missed, first, second)
    )

    with rows_read(engine) as reads:
        record_review(
            db, by=pilot.id, session_id=session.id, lines=[ReviewLineInput(missed.id, A.ABSENT)]
        )

    entries = {e.registration_id: e.attendance for e in db.exec(select(ReviewEntry)).all()}
    assert entries == {came.id: A.PRESENT, missed.id: A.ABSENT}
    # The one candidate saved and the session's two employers, not its three candidates.
    assert reads.largest() <= 2
    with pytest.raises(DomainError) as refused:
        lock_review(db, by=pilot.id, session_id=session.id)
    assert refused.value.message == (
        "Saisissez la présence de chaque candidat avant de verrouiller le bilan. "
        "Elle manque pour : DIALLO Lucas."
    )
