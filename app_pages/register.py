"""Inscrire un candidat: find or create the candidate, then save the registration."""

import uuid
from datetime import date

import streamlit as st

from plie import candidates, queries, questions, registrations
from plie.candidates import CandidateInput
from plie.dates import format_date, today_in_paris
from plie.db import reading, writing
from plie.enums import Gender
from plie.reference import QUALIFICATION_LEVELS
from plie.registration_edits import FormAnswers
from plie.validation import MAX_ADDRESS_LENGTH
from ui import app
from ui.eligibility_form import eligibility_section
from ui.questions import answers_section

REGISTER_KEYS = (
    "register_candidate_id",
    "search_done",
    "search_results",
    "chosen_sessions",
    "register_form_token",
)

user_id = app.require_user()
action_id = app.query_id("action")
if action_id is None and app.query_id("id") is not None:
    # The switch to the registration just saved sets the query string first, then the page; a
    # rerun that the browser asks in between runs this page with the registration's id.
    st.switch_page(app.page("inscription"), query_params={"id": app.query_id("id")})
today = today_in_paris()
try:
    with reading() as db:
        view = queries.action_view(db, action_id=action_id or 0, today=today)
except Exception as error:  # NotFound, or an id typed by hand
    st.error(getattr(error, "message", "Cette action est introuvable."))
    st.stop()

st.title("Inscrire un candidat à une action")
st.subheader(app.plain(view.action.title))
st.page_link(app.page("action"), label="Retour à l'action", query_params={"id": action_id})
st.caption("\\* Champs obligatoires")
state = st.session_state


def show_field_errors(errors: dict, slots: dict) -> None:
    for field_name, message in errors.items():
        if field_name in slots:
            slots[field_name].error(message)


# Step 1: the candidate, found by the first letters of the names and the birth date.
if state.get("register_candidate_id") is None:
    st.markdown("**NOUVEAU CANDIDAT**")
    st.caption(
        "Tapez les 3 premières lettres du nom, du prénom (le nom entier s'il est plus court) "
        "et la date de naissance du candidat. S'il est connu de PLIE Connect, ses informations "
        "seront reprises."
    )
    with st.form("search"):
        last = st.text_input("Nom *", key="search_last_name")
        first = st.text_input("Prénom *", key="search_first_name")
        born = st.date_input(
            "Date de naissance *",
            value=None,
            min_value=date(1920, 1, 1),
            max_value=today,
            format="DD/MM/YYYY",
            key="search_birth_date",
        )
        searched = st.form_submit_button("Créer ou rechercher le candidat")
    if searched:
        if born is None:
            st.error("Indiquez la date de naissance du candidat.")
        else:
            with app.attempt(), reading() as db:
                found = candidates.search_candidates(
                    db, last_name=last, first_name=first, birth_date=born
                )
                state["search_results"] = [(c.id, c.display_name) for c in found]
                state["search_done"] = True

    if state.get("search_done"):
        results = state.get("search_results", [])
        for candidate_id, name in results:
            if st.button(f"Choisir {name}", key=f"pick_{candidate_id}"):
                state["register_candidate_id"] = candidate_id
                st.rerun()
        if not results:
            st.info(
                "Aucun candidat existant ne correspond à ces données, merci de compléter les "
                "informations pour ajouter un nouveau candidat."
            )
            errors: dict = {}
            slots: dict = {}
            with st.form("create_candidate"):
                st.markdown("**CANDIDAT**")
                values = {
                    "last_name": st.text_input(
                        "Nom *", value=state.get("search_last_name", ""), key="new_last_name"
                    ),
                }
                slots["last_name"] = st.empty()
                values["first_name"] = st.text_input(
                    "Prénom *", value=state.get("search_first_name", ""), key="new_first_name"
                )
                slots["first_name"] = st.empty()
                values["birth_date"] = st.date_input(
                    "Date de naissance *",
                    value=state.get("search_birth_date"),
                    min_value=date(1920, 1, 1),
                    max_value=today,
                    format="DD/MM/YYYY",
                    key="new_birth_date",
                )
                slots["birth_date"] = st.empty()
                values["gender"] = st.radio(
                    "Genre *",
                    list(Gender),
                    format_func=lambda g: g.label,
                    index=None,
                    horizontal=True,
                    key="new_gender",
                )
                slots["gender"] = st.empty()
                values["phone"] = st.text_input(
                    "Téléphone *", placeholder="06 12 34 56 78", key="new_phone"
                )
                slots["phone"] = st.empty()
                values["email"] = st.text_input("Email", key="new_email")
                slots["email"] = st.empty()
                values["address"] = st.text_area(
                    "Adresse *", max_chars=MAX_ADDRESS_LENGTH, key="new_address"
                )
                slots["address"] = st.empty()
                values["is_qpv"] = st.checkbox(
                    "QPV (habite un quartier prioritaire)", key="new_is_qpv"
                )
                values["qualification_level"] = st.selectbox(
                    "Niveau de qualification *",
                    [level.code for level in QUALIFICATION_LEVELS],
                    format_func=lambda code: next(
                        f"{lv.label} (ancien niveau {lv.former_label})"
                        for lv in QUALIFICATION_LEVELS
                        if lv.code == code
                    ),
                    index=None,
                    placeholder="Choisir un niveau",
                    key="new_qualification_level",
                )
                slots["qualification_level"] = st.empty()
                values["france_travail_id"] = st.text_input(
                    "N° France Travail", key="new_france_travail_id"
                )
                slots["france_travail_id"] = st.empty()
                values["viesion_id"] = st.text_input("N° Viesion", key="new_viesion_id")
                slots["viesion_id"] = st.empty()
                created = st.form_submit_button(
                    "Ajouter un candidat et poursuivre l'inscription", type="primary"
                )
            if created:
                with app.attempt(errors), writing() as db:
                    candidate = candidates.create_candidate(
                        db, by=user_id, data=CandidateInput(**values)
                    )
                    state["register_candidate_id"] = candidate.id
                    st.rerun()
                show_field_errors(errors, slots)
        if st.button("Effectuer une nouvelle recherche"):
            for key in ("search_done", "search_results"):
                state.pop(key, None)
            st.rerun()
    st.stop()

# Step 2: the sessions, the eligibility and the action's questions, then save or send.
with reading() as db:
    candidate = candidates.candidate_details(
        db, by=user_id, candidate_id=state["register_candidate_id"]
    )
    action_questions = questions.list_questions(db, action_id=action_id)
st.markdown(f"**{app.plain(candidate.display_name)}**, né·e le {format_date(candidate.birth_date)}")
if st.button("Changer de candidat"):
    state.pop("register_candidate_id", None)
    st.rerun()
# One token per form shown: a second click on the same form finds the same registration.
token = state.setdefault("register_form_token", uuid.uuid4().hex)
errors: dict = {}

st.markdown("**SESSIONS**")
preselected = set(state.get("chosen_sessions", {}).get("sessions", []))
ticked = [
    session.id
    for session in view.sessions
    if st.checkbox(
        f"{session.label} – {session.when} (places restantes : {session.places_left})",
        value=session.id in preselected and session.is_open,
        disabled=not session.is_open,
        key=f"register_session_{session.id}",
    )
]
eligibility_answers, eligibility_files = eligibility_section(
    view.action, stored={}, documents={}, errors=errors, prefix="register"
)
question_answers, question_files = answers_section(
    action_questions, stored=[], errors=errors, prefix="register"
)
if view.employers:
    st.caption(
        "Vous pourrez ensuite cocher des sessions supplémentaires et choisir les employeurs et "
        "les rendez-vous depuis la page de l'inscription."
    )
st.markdown("Etat de l'inscription : **Brouillon**")
draft, submit = st.columns(2)
save_draft = draft.button("Enregistrer en mode 'brouillon'", key="save_draft")
send = submit.button(
    "Enregistrer définitivement les sessions cochées", type="primary", key="submit_registration"
)
if save_draft or send:
    answers = FormAnswers(eligibility_answers, eligibility_files, question_answers, question_files)
    with app.attempt(errors), writing() as db:
        registration = registrations.save_registration(
            db,
            by=user_id,
            action_id=action_id,
            candidate_id=candidate.id,
            session_ids=ticked,
            submit=send,
            answers=answers,
            form_token=token,
        )
        for key in REGISTER_KEYS:
            state.pop(key, None)
        app.flash(
            f"Inscription enregistrée : {registration.status.label}."
            + (" Un email de confirmation vous est envoyé." if send else "")
        )
        st.switch_page(app.page("inscription"), query_params={"id": registration.id})
    if len(errors) > 1:
        for message in errors.values():
            st.error(message)
