"""The pilot and copilots complete a self-registration with the candidate: the files, the
Viesion link, and the declared answers corrected, with the checks a prescriber's form has."""

from datetime import date

import pytest
from sqlmodel import select

from plie import audit, documents, eligibility
from plie.enums import AuditEvent, EligibilityScheme, MemberRole, QuestionKind, RegistrationStatus
from plie.errors import InvalidInput, NotAllowed, TransitionRefused
from plie.models import ActionQuestion, AuditEntry, Document, Registration, SessionReview, utc_now
from plie.queries import registration_view
from plie.registration_edits import FormAnswers, save_answers
from plie.self_answers import still_to_collect
from plie.settings import get_settings
from tests.builders import a_member, a_professional, a_self_registration, an_action
from tests.files import HTML, a_pdf


@pytest.fixture(autouse=True)
def nobody_acting():
    audit.act_as(None)
    yield
    audit.act_as(None)


@pytest.fixture
def training(db):
    """An FSE training open to self-registration, its team, and a CV to give."""
    team = {
        "pilot": a_professional(db, first_name="Dominique", last_name="Pilote"),
        "copilot": a_professional(db, first_name="Camille", last_name="Copilote"),
        "partner": a_professional(db, first_name="Sacha", last_name="Partenaire"),
        "outsider": a_professional(db, first_name="Ilan", last_name="Autre"),
    }
    action = an_action(
        db, allows_self_registration=True, scheme=EligibilityScheme.FSE, pilot=team["pilot"]
    )
    a_member(db, action, team["copilot"], MemberRole.COPILOT)
    a_member(db, action, team["partner"], MemberRole.PARTNER)
    cv = ActionQuestion(
        action_id=action.id, position=1, label="Dépôt du CV", kind=QuestionKind.FILE, required=True
    )
    db.add(cv)
    db.commit()
    registration = a_self_registration(
        db, action, eligibility={"fse_criteria": ["deld"], "plie_participant": False}
    )
    return team, registration, cv


def declared(**changes) -> dict:
    """The candidate's own answers, as the form shows them back to the organisers."""
    return {"fse_criteria": ["deld"], "plie_participant": False, **changes}


def complete(db, person, registration, **parts) -> Registration:
    return save_answers(
        db, by=person.id, registration_id=registration.id, answers=FormAnswers(**parts)
    )


@pytest.mark.parametrize("name", ["pilot", "copilot"])
def test_an_organiser_joins_the_fse_proof_that_the_candidate_could_not_upload(db, training, name):
    team, registration, _ = training
    assert still_to_collect(db, registration=registration) == ["Justificatif FSE", "Dépôt du CV"]

    complete(
        db,
        team[name],
        registration,
        eligibility=declared(),
        eligibility_files={"fse_proof": a_pdf("justificatif.pdf")},
    )

    proof = db.exec(select(Document).where(Document.registration_id == registration.id)).one()
    assert (proof.purpose, proof.original_name, proof.uploaded_by_id) == (
        "fse_proof",
        "justificatif.pdf",
        team[name].id,
    )
    assert still_to_collect(db, registration=registration) == ["Dépôt du CV"]


def test_the_file_an_organiser_joined_is_downloaded_by_the_organisers_only(db, training):
    team, registration, cv = training
    complete(
        db,
        team["copilot"],
        registration,
        eligibility=declared(),
        eligibility_files={"fse_proof": a_pdf("justificatif.pdf")},
        question_files={cv.id: a_pdf("cv-leo.pdf")},
    )
    files = {d.purpose: d for d in db.exec(select(Document))}

    for name in ("pilot", "copilot", "partner"):
        got = documents.download(db, by=team[name].id, document_id=files["fse_proof"].id)
        assert (got.file_name, got.content_type) == ("justificatif.pdf", "application/pdf")
        assert got.content == a_pdf().content
    with pytest.raises(NotAllowed) as refused:
        documents.download(db, by=team["outsider"].id, document_id=files["fse_proof"].id)
    assert refused.value.message == "Ce fichier ne vous est pas accessible."
    assert still_to_collect(db, registration=registration) == []


@pytest.mark.parametrize("name", ["partner", "outsider"])
def test_a_partner_or_anybody_else_does_not_complete_it(db, training, name):
    team, registration, _ = training

    with pytest.raises(NotAllowed) as refused:
        complete(
            db,
            team[name],
            registration,
            eligibility=declared(),
            eligibility_files={"fse_proof": a_pdf()},
        )

    assert refused.value.message == (
        "Seuls le pilote et les copilotes de l'action peuvent compléter l'inscription d'un "
        "candidat libre."
    )
    assert db.exec(select(Document)).all() == []


def test_a_file_of_a_refused_type_is_refused_as_in_the_prescribers_form(db, training):
    team, registration, _ = training

    with pytest.raises(InvalidInput) as refused:
        complete(
            db,
            team["pilot"],
            registration,
            eligibility=declared(),
            eligibility_files={"fse_proof": documents.Upload("proof.pdf", HTML)},
        )

    assert refused.value.errors == {
        "fse_proof": "Le fichier joint à « Justificatif FSE » n'est pas d'un type accepté : "
        "joignez un fichier PDF, image PNG ou JPEG, document Word (.docx), Excel (.xlsx) ou "
        "OpenDocument."
    }
    assert db.exec(select(Document)).all() == []


def test_a_file_over_the_size_limit_is_refused_as_in_the_prescribers_form(
    db, training, monkeypatch
):
    team, registration, cv = training
    monkeypatch.setenv("PLIE_MAX_UPLOAD_BYTES", str(1024 * 1024))
    get_settings.cache_clear()
    heavy = documents.Upload("cv.pdf", a_pdf().content + b"0" * (1024 * 1024))

    with pytest.raises(InvalidInput) as refused:
        complete(
            db, team["pilot"], registration, eligibility=declared(), question_files={cv.id: heavy}
        )

    assert refused.value.errors == {
        f"question_{cv.id}": "Le fichier joint à « Dépôt du CV » dépasse la taille maximale "
        "autorisée (1 Mo) : réduisez-le ou joignez-en un autre."
    }
    assert db.exec(select(Document)).all() == []


def test_the_organisers_correct_a_declared_answer_and_give_the_viesion_link(db, training):
    team, registration, _ = training

    complete(
        db,
        team["pilot"],
        registration,
        eligibility=declared(
            fse_criteria=["deld", "woman"],
            plie_participant=True,
            viesion_link="https://viesion.example/dossiers/42",
        ),
    )

    assert eligibility.stored_answers(db, registration.id) == {
        "fse_criteria": ["deld", "woman"],
        "plie_participant": ["oui"],
        "viesion_link": ["https://viesion.example/dossiers/42"],
    }
    # A PLIE participant needs the Viesion link only, not the FSE proof.
    assert still_to_collect(db, registration=registration) == ["Dépôt du CV"]


def test_a_correction_must_bring_what_it_makes_necessary(db, training):
    team, registration, _ = training

    with pytest.raises(InvalidInput) as refused:
        complete(db, team["pilot"], registration, eligibility=declared(plie_participant=True))

    assert refused.value.errors == {
        "viesion_link": "Le champ « Lien vers le dossier Viesion » est obligatoire."
    }
    assert eligibility.stored_answers(db, registration.id)["plie_participant"] == ["non"]


def test_completing_goes_step_by_step_but_never_takes_away_an_answer_given(db, training):
    team, registration, _ = training
    # The CV is still missing: the FSE proof alone is kept.
    complete(
        db,
        team["pilot"],
        registration,
        eligibility=declared(),
        eligibility_files={"fse_proof": a_pdf()},
    )

    with pytest.raises(InvalidInput) as refused:
        complete(db, team["pilot"], registration, eligibility=declared(fse_criteria=[]))

    assert refused.value.errors == {"fse_criteria": "Le champ « Eligibilité FSE » est obligatoire."}
    assert eligibility.stored_answers(db, registration.id)["fse_criteria"] == ["deld"]


def test_each_completion_is_in_the_audit_trail_under_the_organiser(db, training):
    team, registration, _ = training
    audit.act_as(team["copilot"].id, page="inscription")

    complete(
        db,
        team["copilot"],
        registration,
        eligibility=declared(),
        eligibility_files={"fse_proof": a_pdf()},
    )

    recorded = db.exec(
        select(AuditEntry).where(AuditEntry.object_type == "registration").order_by(AuditEntry.id)
    ).all()
    assert [(e.professional_id, e.event, e.object_id, e.page) for e in recorded] == [
        (team["copilot"].id, AuditEvent.CREATE, registration.id, "inscription"),
        (team["copilot"].id, AuditEvent.CHANGE, registration.id, "inscription"),
    ]
    assert [e.detail for e in recorded] == ["record=document", "fields=updated_at"]


def test_an_ended_self_registration_is_no_longer_completed(db, training):
    team, registration, _ = training
    registration.status = RegistrationStatus.REFUSED_BY_CANDIDATE
    db.add(registration)
    db.commit()

    with pytest.raises(TransitionRefused) as refused:
        complete(
            db,
            team["pilot"],
            registration,
            eligibility=declared(),
            eligibility_files={"fse_proof": a_pdf()},
        )

    assert refused.value.message == (
        "Cette inscription est terminée (« Refusé par le candidat ») : elle ne peut plus être "
        "modifiée."
    )
    assert db.exec(select(Document)).all() == []


def test_a_locked_review_does_not_stop_the_proofs_being_collected(db, training):
    # As for a prescriber: a locked review freezes the states, not the answers and files.
    team, registration, _ = training
    session_id = db.get(Registration, registration.id).action.sessions[0].id
    db.add(SessionReview(session_id=session_id, locked_at=utc_now(), locked_by_id=team["pilot"].id))
    db.commit()

    complete(
        db,
        team["pilot"],
        registration,
        eligibility=declared(),
        eligibility_files={"fse_proof": a_pdf()},
    )

    assert still_to_collect(db, registration=registration) == ["Dépôt du CV"]


@pytest.mark.parametrize(
    ("name", "may_complete"),
    [("pilot", True), ("copilot", True), ("partner", False)],
)
def test_the_registrations_page_offers_the_completion_to_the_pilot_and_copilots(
    db, training, name, may_complete
):
    team, registration, _ = training

    view = registration_view(
        db, by=team[name].id, registration_id=registration.id, today=date.today()
    )

    assert (view.may_complete, view.is_prescriber) == (may_complete, False)
