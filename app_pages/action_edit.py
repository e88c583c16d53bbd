"""Ajouter une action / Modifier l'action: its fields, sessions, employers and slots, its team."""

import streamlit as st

from plie import accounts, actions
from plie.db import reading, writing
from plie.enums import ActionType, SessionKind
from plie.errors import DomainError
from plie.permissions import Operation, may, organiser_role
from ui import action_forms, app, questions

user_id = app.require_user()
action_id = app.query_id()

if action_id is None:
    with reading() as db:
        me = accounts.get_professional(db, professional_id=user_id)
    st.title("Ajouter une action")
    if not me.can_pilot:
        st.error(
            "Seuls les professionnels autorisés comme pilotes par un administrateur peuvent "
            "ajouter une action."
        )
        st.stop()
    created = action_forms.action_form(user_id, None)
    if created:
        app.flash("L'action est créée : ajoutez maintenant ses sessions et son équipe.")
        st.switch_page(app.page("action-edition"), query_params={"id": created})
    st.stop()

try:
    with reading() as db:
        action, setups = actions.action_setup(db, by=user_id, action_id=action_id)
        role = organiser_role(db, professional_id=user_id, action_id=action_id)
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title(f"Modifier l'action : {app.plain(action.title)}")
app.show_flash()
links = st.columns(3)
links[0].page_link(
    app.page("action"), label="Voir la fiche publique", query_params={"id": action_id}
)
links[1].page_link(
    app.page("inscriptions"), label="Traiter les inscriptions", query_params={"action": action_id}
)

with st.expander("L'action", expanded=not setups):
    if action_forms.action_form(user_id, action):
        app.flash("L'action est enregistrée.")
        st.rerun()

st.subheader("Sessions")
recruiting = action.action_type is ActionType.RECRUITMENT
for setup in setups:
    session = setup.session
    with st.container(border=True, key=f"session_box_{session.id}"):
        st.markdown(f"**{app.plain(action_forms.session_title(setup))}**")
        with st.expander("Modifier la session"):
            if action_forms.session_form(user_id, action_id, session):
                app.flash(f"La session « {app.plain(session.label)} » est enregistrée.")
                st.rerun()
            if st.button("Supprimer la session", key=f"delete_session_{session.id}"):
                with app.attempt(), writing() as db:
                    actions.delete_session(db, by=user_id, session_id=session.id)
                    app.flash("La session est supprimée.")
                    st.rerun()
        if recruiting or session.kind is SessionKind.RECRUITMENT:
            st.markdown("*Employeurs, offres d'emploi et créneaux*")
            if action_forms.employers_section(user_id, setup):
                st.rerun()

with st.container(border=True, key="new_session_box"):
    st.markdown("**Ajouter une session**")
    if action_forms.session_form(user_id, action_id, None):
        app.flash("La session est ajoutée.")
        st.rerun()

st.subheader("Questions spécifiques")
with st.container(key="questions_box"):
    questions.question_editor(action_id=action_id, user_id=user_id)

st.subheader("Équipe de l'action")
with st.container(key="team_box"):
    if action_forms.team_section(user_id, action_id, may(role, Operation.MANAGE_TEAM)):
        st.rerun()

if may(role, Operation.DELETE_ACTION):
    with st.expander("Supprimer l'action"):
        confirm = st.checkbox("Je confirme vouloir supprimer cette action", key="confirm_delete")
        if st.button("Supprimer l'action", disabled=not confirm, key="delete_action"):
            with app.attempt(), writing() as db:
                actions.delete_action(db, by=user_id, action_id=action_id)
                app.flash("L'action est supprimée.")
                st.switch_page(app.page("tableau-de-bord"))
