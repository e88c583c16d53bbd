"""Mon tableau de bord: profile, the switch between modes, and each mode's tables."""

import streamlit as st

from plie import accounts, queries
from plie.db import reading, writing
from plie.enums import MemberRole
from plie.text import counted, search_key
from ui import app, auth

user_id = app.require_user()
state = st.session_state
with reading() as db:
    me = accounts.get_professional(db, professional_id=user_id)
    structure = accounts.structure_of(db, me)
    teams = accounts.list_teams(db)
    organiser = accounts.is_organiser(db, professional_id=user_id)

st.title("Mon tableau de bord")
app.show_flash()
st.markdown(f"Bonjour **{app.plain(me.display_name)}**")

with st.expander("Voir mes informations", expanded=state.get("mode") is None):
    left, right = st.columns(2)
    left.markdown("**Ma structure**")
    left.write(structure.name if structure else "Non renseignée")
    proconnect = auth.proconnect_config()
    if me.proconnect_sub and proconnect is not None and proconnect.profile_url:
        left.link_button(
            "Modifier mes informations sur ProConnect",
            proconnect.profile_url,
            help="Pour un compte ProConnect Identité. Si votre administration vous fournit votre "
            "compte, vos informations se modifient auprès d'elle.",
        )
    with right.form("profile"):
        phone = st.text_input(
            "Mon téléphone",
            value=me.phone or "",
            disabled=me.phone_from_proconnect,
            help="Transmis par ProConnect." if me.phone_from_proconnect else None,
        )
        team_ids = [None] + [team.id for team in teams]
        names = {team.id: team.name for team in teams}
        team_id = st.selectbox(
            "Mon équipe (agents de la Métropole)",
            team_ids,
            index=team_ids.index(me.team_id) if me.team_id in team_ids else 0,
            format_func=lambda value: names.get(value, "Aucune"),
        )
        if st.form_submit_button("Sauvegarder mon équipe"):
            with app.attempt(), writing() as db:
                accounts.update_profile(db, by=user_id, phone=phone, team_id=team_id)
                st.success("Vos informations sont enregistrées.")

modes = st.columns(2)
if organiser and modes[0].button('Basculer en mode "Organisateur"'):
    state["mode"] = "organiser"
if modes[1].button('Basculer en mode "Prescripteur"'):
    state["mode"] = "prescriber"
mode = state.get("mode") or ("organiser" if organiser else "prescriber")

if mode == "organiser" and organiser:
    st.subheader("Mes actions en tant qu'organisateur (pilote/copilote/partenaire)")
    links = st.columns(3)
    if me.can_pilot:
        links[0].page_link(app.page("action-edition"), label="Ajouter une action", icon="➕")
    links[1].page_link(app.page("inscriptions"), label="Inscriptions de toutes mes actions")
    with reading() as db:
        rows = queries.organised_actions(db, professional_id=user_id)
    picked = st.dataframe(
        rows,
        hide_index=True,
        column_order=["Libellé", "Type", "Rôle", "Publication", "Inscrits"],
        on_select="rerun",
        selection_mode="single-row",
        key="organised_table",
    )
    for index in picked.selection.rows:
        st.page_link(
            app.page("inscriptions"),
            label=app.plain(f"Traiter les inscriptions : {rows[index]['Libellé']}"),
            icon="➡️",
            query_params={"action": rows[index]["action_id"]},
        )
        if rows[index]["Rôle"] != MemberRole.PARTNER.label:
            st.page_link(
                app.page("action-edition"),
                label=app.plain(f"Modifier l'action : {rows[index]['Libellé']}"),
                icon="✏️",
                query_params={"id": rows[index]["action_id"]},
            )
    st.caption("Sélectionnez une action pour traiter ses inscriptions.")
else:
    st.subheader("Mes candidats")
    with reading() as db:
        rows = queries.my_candidates(db, professional_id=user_id)
        actions = queries.prescribed_actions(db, professional_id=user_id)
    needle = search_key(
        st.text_input("Rechercher un candidat ou une action", key="my_candidates_search")
    )
    if needle:
        rows = [
            row
            for row in rows
            if needle in search_key(row["Candidat"]) or needle in search_key(row["Inscription"])
        ]
        st.caption(f"{counted(len(rows), 'ligne')} pour cette recherche.")
    columns = [
        "Candidat",
        "Inscription",
        "Session",
        "Etat",
        "Présence",
        "Suite donnée",
        "Suivi 1 mois",
        "Suivi 3 mois",
        "Bilan",
    ]
    picked = st.dataframe(
        rows,
        hide_index=True,
        column_order=columns,
        on_select="rerun",
        selection_mode="single-row",
        key="candidates_table",
    )
    for index in picked.selection.rows:
        st.page_link(
            app.page("inscription"),
            label=app.plain(f"Ouvrir l'inscription de {rows[index]['Candidat']}"),
            icon="➡️",
            query_params={"id": rows[index]["registration_id"]},
        )
        if rows[index]["Bilan"]:
            st.page_link(
                app.page("bilan"),
                label=app.plain(f"Consulter le bilan : {rows[index]['Session']}"),
                icon="📋",
                query_params={"session": rows[index]["session_id"]},
            )
    if not rows:
        st.caption(
            "Vous n'avez encore inscrit aucun candidat : choisissez une action dans l'agenda."
        )
    st.subheader("Les actions sur lesquelles j'ai inscrit des candidats")
    st.dataframe(
        actions, hide_index=True, column_order=["Libellé", "Type", "Eligibilité", "Inscrits"]
    )
