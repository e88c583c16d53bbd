"""The sections of a registration's page: co-prescribers, sessions and slots, answers, files."""

import streamlit as st

from plie import coprescribers, documents, eligibility, questions, recruitment
from plie.candidates import REPLACE_ONLY_NOTE, CandidateDetails, CandidateInput, update_candidate
from plie.db import reading, writing
from plie.enums import Gender
from plie.models import Action, Document, Registration
from plie.queries import SessionView
from plie.reference import QUALIFICATION_LEVELS
from plie.registration_edits import FormAnswers, save_answers, set_sessions
from plie.registration_rules import choices_open
from ui import app
from ui.eligibility_form import eligibility_readonly, eligibility_section
from ui.questions import answers_section
from ui.slots import slot_grid


def co_prescribers_section(registration: Registration, *, user_id: int) -> None:
    """The co-prescribers, removable, and "Ajouter un prescripteur"."""
    with reading() as db:
        followers = coprescribers.co_prescribers(db, registration_id=registration.id)
    st.markdown("**PRESCRIPTEURS**")
    for person in followers:
        row = st.columns([5, 1])
        row[0].markdown(f"{app.plain(person.name)} — {app.plain(person.structure)}")
        if row[1].button("Retirer", key=f"remove_co_{person.id}"):
            with app.attempt(), writing() as db:
                coprescribers.remove_co_prescriber(
                    db, by=user_id, registration_id=registration.id, professional_id=person.id
                )
                app.flash("Le prescripteur a été retiré de l'inscription.")
                st.rerun()
    st.markdown("✎ **Ajouter un prescripteur**")
    st.caption(
        "Un deuxième prescripteur suit l'inscription, peut agir dessus et reçoit les mêmes "
        "emails. Cherchez-le par son nom ou son email."
    )
    text = st.text_input("Nom ou email du prescripteur", key="co_prescriber_search")
    if text:
        with app.attempt(), reading() as db:
            found = coprescribers.find_professionals(db, text=text)
            if not found:
                st.info("Aucun professionnel ne correspond à cette recherche.")
            for person in found:
                label = f"Ajouter {person.name} ({person.structure})"
                if st.button(label, key=f"add_co_{person.id}"):
                    with app.attempt(), writing() as wdb:
                        coprescribers.add_co_prescriber(
                            wdb,
                            by=user_id,
                            registration_id=registration.id,
                            professional_id=person.id,
                        )
                        app.flash(f"{person.name} suit désormais l'inscription.")
                        st.rerun()


def sessions_section(
    registration: Registration, sessions: list[SessionView], ticked: set[int], *, user_id: int
) -> None:
    """Tick further open sessions at any time; untick until the organisers validate."""
    st.markdown("**SESSIONS**")
    may_untick = choices_open(registration)
    wanted = []
    for session in sessions:
        is_ticked = session.id in ticked
        if st.checkbox(
            f"{session.label} – {session.when}",
            value=is_ticked,
            disabled=(is_ticked and not may_untick) or (not is_ticked and not session.is_open),
            key=f"registration_session_{session.id}",
        ):
            wanted.append(session.id)
    if set(wanted) != ticked and st.button("Enregistrer les sessions cochées", key="save_sessions"):
        with app.attempt(), writing() as db:
            set_sessions(db, by=user_id, registration_id=registration.id, session_ids=wanted)
            app.flash("Les sessions de l'inscription sont enregistrées.")
            st.rerun()


def slots_section(registration: Registration, ticked: set[int], *, user_id: int | None) -> None:
    """The grid of each recruitment session ticked; read-only once validated."""
    with reading() as db:
        grids = recruitment.grids(
            db, action_id=registration.action_id, registration_id=registration.id
        )
    editable = user_id is not None and choices_open(registration)
    for grid in [g for g in grids if g.session_id in ticked]:
        picked = slot_grid(grid, prefix="registration", disabled=not editable)
        if editable and st.button("Enregistrer les créneaux", key=f"save_slots_{grid.session_id}"):
            with app.attempt(), writing() as db:
                recruitment.choose_slots(
                    db,
                    by=user_id,
                    registration_id=registration.id,
                    session_id=grid.session_id,
                    slot_ids=picked,
                )
                app.flash("Les employeurs et les créneaux choisis sont enregistrés.")
                st.rerun()


def answers_form(registration: Registration, *, user_id: int) -> FormAnswers:
    """The eligibility and the action's questions, editable while the registration runs.

    Returns what the form shows, so that sending a draft takes the answers on screen too.
    """
    with reading() as db:
        stored = eligibility.stored_answers(db, registration.id)
        files = eligibility.stored_documents(db, registration.id)
        action_questions = questions.list_questions(db, action_id=registration.action_id)
        answered = questions.answers_of(
            db, registration_id=registration.id, action_id=registration.action_id
        )
        action = db.get(Action, registration.action_id)
    errors: dict = {}
    answers, uploads = eligibility_section(
        action, stored=stored, documents=files, errors=errors, prefix="edit"
    )
    question_answers, question_files = answers_section(
        action_questions, stored=answered, errors=errors, prefix="edit"
    )
    form = FormAnswers(answers, uploads, question_answers, question_files)
    if st.button("Enregistrer les informations", key="save_answers"):
        with app.attempt(errors), writing() as db:
            save_answers(db, by=user_id, registration_id=registration.id, answers=form)
            app.flash("Les informations de l'inscription sont enregistrées.")
            st.rerun()
        if len(errors) > 1:
            for message in errors.values():
                st.error(message)
    return form


def answers_readonly(registration: Registration, *, user_id: int) -> None:
    with reading() as db:
        shown = eligibility.answers_for(db, by=user_id, registration_id=registration.id)
        answered = questions.answers_of(
            db, registration_id=registration.id, action_id=registration.action_id
        )
    st.markdown("**ELIGIBILITÉ**")
    eligibility_readonly(shown)
    if answered:
        st.markdown("**QUESTIONS SPÉCIFIQUES**")
    for answer in answered:
        text = answer.document_name or answer.value or "Non renseigné"
        st.markdown(f"**{app.plain(answer.label)}** : {app.plain(text)}")


def documents_section(registration: Registration, *, user_id: int) -> None:
    """The files joined to the registration, to download (plie checks who may)."""
    with reading() as db:
        joined: list[Document] = list(eligibility.stored_documents(db, registration.id).values())
    if not joined:
        return
    st.markdown("**PIÈCES JOINTES**")
    for document in sorted(joined, key=lambda d: d.id):
        with app.attempt(), reading() as db:
            got = documents.download(db, by=user_id, document_id=document.id)
            st.download_button(
                f"Télécharger {got.file_name}",
                data=got.content,
                file_name=got.file_name,
                mime=got.content_type,
                key=f"download_{document.id}",
                on_click=_record_download,
                args=(document.id, user_id),
            )


def _record_download(document_id: int, user_id: int) -> None:
    with reading() as db:
        documents.record_download(db, by=user_id, document_id=document_id)


def candidate_form(candidate: CandidateDetails, *, user_id: int) -> None:
    """ "Modifier les informations" of the candidate, at any time; masked, a value typed
    replaces the one recorded, a field left empty keeps it (plie.candidates)."""
    errors: dict = {}
    # Two forms: a widget keeps what it holds across reruns, and the full form must never
    # start from what was typed in the masked one (an email left empty would erase it).
    with st.form("edit_candidate" if candidate.in_full else "replace_candidate_details"):
        if candidate.in_full:
            values = _full_fields(candidate)
        else:
            st.caption(REPLACE_ONLY_NOTE)
            values = _replacing_fields(candidate)
        saved = st.form_submit_button("Enregistrer les informations du candidat")
    if saved:
        with app.attempt(errors), writing() as db:
            update_candidate(
                db, by=user_id, candidate_id=candidate.id, data=CandidateInput(**values)
            )
            app.flash("Les informations du candidat sont enregistrées.")
            st.rerun()
        if len(errors) > 1:
            for message in errors.values():
                st.error(message)


def _qualification_label(code: str) -> str:
    return next(level.label for level in QUALIFICATION_LEVELS if level.code == code)


def _identity_fields(candidate: CandidateDetails) -> dict:
    return {
        "last_name": st.text_input("Nom *", value=candidate.last_name),
        "first_name": st.text_input("Prénom *", value=candidate.first_name),
        "birth_date": candidate.birth_date,
    }


def _full_fields(candidate: CandidateDetails) -> dict:
    values = _identity_fields(candidate)
    values["gender"] = st.radio(
        "Genre *",
        list(Gender),
        index=list(Gender).index(candidate.gender) if candidate.gender else None,
        format_func=lambda g: g.label,
        horizontal=True,
    )
    values["phone"] = st.text_input("Téléphone *", value=candidate.phone)
    values["email"] = st.text_input("Email", value=candidate.email)
    values["address"] = st.text_area("Adresse *", value=candidate.address, max_chars=250)
    values["is_qpv"] = st.checkbox(
        "QPV (habite un quartier prioritaire)", value=bool(candidate.is_qpv)
    )
    codes = [level.code for level in QUALIFICATION_LEVELS]
    values["qualification_level"] = st.selectbox(
        "Niveau de qualification *",
        codes,
        index=codes.index(candidate.qualification_level)
        if candidate.qualification_level in codes
        else None,
        format_func=_qualification_label,
    )
    values["france_travail_id"] = st.text_input(
        "N° France Travail", value=candidate.france_travail_id
    )
    values["viesion_id"] = st.text_input("N° Viesion", value=candidate.viesion_id)
    return values


def _replacing_fields(candidate: CandidateDetails) -> dict:
    """Every detail empty, the masked value as a hint: what is typed replaces it."""
    unchanged = "Inchangé"
    values = _identity_fields(candidate)
    values["gender"] = st.radio(
        "Genre",
        list(Gender),
        index=None,
        format_func=lambda g: g.label,
        horizontal=True,
        key="replace_gender",
    )
    values["phone"] = st.text_input(
        "Nouveau téléphone",
        placeholder=candidate.phone or "Non renseigné",
        key="replace_phone",
    )
    values["email"] = st.text_input(
        "Nouvel email", placeholder=candidate.email or "Non renseigné", key="replace_email"
    )
    values["address"] = st.text_area(
        "Nouvelle adresse",
        placeholder=candidate.address or "Non renseignée",
        max_chars=250,
        key="replace_address",
    )
    values["is_qpv"] = st.selectbox(
        "QPV (habite un quartier prioritaire)",
        [None, True, False],
        format_func=lambda value: {None: unchanged, True: "Oui", False: "Non"}[value],
        key="replace_is_qpv",
    )
    values["qualification_level"] = st.selectbox(
        "Niveau de qualification",
        [level.code for level in QUALIFICATION_LEVELS],
        index=None,
        placeholder=unchanged,
        format_func=_qualification_label,
        key="replace_qualification_level",
    )
    values["france_travail_id"] = st.text_input(
        "Nouveau N° France Travail",
        placeholder=candidate.france_travail_id or "Non renseigné",
        key="replace_france_travail_id",
    )
    values["viesion_id"] = st.text_input(
        "Nouveau N° Viesion",
        placeholder=candidate.viesion_id or "Non renseigné",
        key="replace_viesion_id",
    )
    return values
