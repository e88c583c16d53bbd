"""S'inscrire comme candidat libre: the public form of an action open to self-registration."""

from datetime import date

import streamlit as st

from plie import eligibility, queries, self_answers, self_registration
from plie.dates import today_in_paris
from plie.db import reading, writing
from plie.errors import NotFound
from plie.self_registration import SelfRegistrationInput
from plie.settings import get_settings
from ui import app
from ui.eligibility_form import situation_section
from ui.questions import answers_section

action_id = app.query_id() or 0
today = today_in_paris()
try:
    with reading() as db:
        view = queries.action_view(db, action_id=action_id, today=today)
        asked = self_answers.self_answered_questions(db, action_id=action_id)
except NotFound as error:
    st.error(error.message)
    st.page_link(app.page("agenda"), label="Retour à l'agenda")
    st.stop()

action = view.action
st.title("S'inscrire comme candidat libre")
st.subheader(app.plain(action.title))
st.page_link(app.page("action"), label="Retour à l'action", query_params={"id": action.id})

if not action.allows_self_registration:
    st.info(self_registration.NOT_OPEN_TO_SELF_REGISTRATION)
    st.stop()

done_key = f"self_registration_done_{action.id}"
if st.session_state.get(done_key):
    st.success(st.session_state[done_key])
    st.page_link(app.page("agenda"), label="Retour à l'agenda", icon="📅")
    st.stop()

open_sessions = [session for session in view.sessions if session.is_open]
if not open_sessions:
    st.info("Aucune session de cette action n'est ouverte aux inscriptions pour le moment.")
    st.stop()

errors: dict = {}
slots: dict = {}
st.caption("\\* Champs obligatoires")
with st.form("self_registration"):
    st.markdown("**SESSIONS**")
    ticked = [
        session.id
        for session in open_sessions
        if st.checkbox(
            f"{session.label} – {session.when}",
            value=len(open_sessions) == 1,
            key=f"self_session_{session.id}",
        )
    ]
    slots["sessions"] = st.empty()
    st.markdown("**VOS COORDONNÉES**")
    values = {"last_name": st.text_input("Nom *", key="self_last_name")}
    slots["last_name"] = st.empty()
    values["first_name"] = st.text_input("Prénom *", key="self_first_name")
    slots["first_name"] = st.empty()
    values["birth_date"] = st.date_input(
        "Date de naissance *",
        value=None,
        min_value=date(1920, 1, 1),
        max_value=today,
        format="DD/MM/YYYY",
        key="self_birth_date",
    )
    slots["birth_date"] = st.empty()
    values["phone"] = st.text_input("Téléphone *", placeholder="06 12 34 56 78", key="self_phone")
    slots["phone"] = st.empty()
    values["email"] = st.text_input(
        "Email *", placeholder="prenom.nom@exemple.fr", key="self_email"
    )
    slots["email"] = st.empty()
    scheme = action.eligibility_scheme
    situation = situation_section(
        self_answers.self_declared_fields(scheme), slots=slots, prefix="self"
    )
    if eligibility.asks_files(scheme):
        st.caption(
            "Les organisateurs de l'action vous demanderont ensuite les justificatifs de votre "
            "situation."
        )
    replies, _ = answers_section(
        asked, stored=[], errors={}, prefix="self", slots=slots, title="QUESTIONS DE L'ACTION"
    )
    st.markdown("**UTILISATION DE VOS DONNÉES**")
    st.caption(self_registration.DATA_NOTICE)
    if self_answers.asks_sensitive(scheme):
        st.caption(self_registration.SENSITIVE_NOTICE)
    accepts = st.checkbox(self_registration.CONSENT_LABEL, key="self_consent")
    slots["consent"] = st.empty()
    sent = st.form_submit_button("Envoyer ma demande d'inscription", type="primary")

if sent:
    settings = get_settings()
    client = self_registration.client_address(
        remote_ip=st.context.ip_address,
        forwarded_for=st.context.headers.get("X-Forwarded-For"),
        trusted_hops=settings.trusted_proxy_hops,
    )
    data = SelfRegistrationInput(
        **values,
        session_ids=ticked,
        accepts_notice=accepts,
        eligibility=situation,
        questions=replies,
    )
    with app.attempt(errors), writing() as db:
        message = self_registration.register_self(db, action_id=action.id, data=data, client=client)
        st.session_state[done_key] = message
        st.rerun()
    for field_name, message in errors.items():
        if field_name in slots:
            slots[field_name].error(message)
