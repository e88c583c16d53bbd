"""Administration: authorise pilots, manage structures and the Métropole's teams."""

import streamlit as st

from plie import accounts, admin
from plie.db import reading, writing
from plie.enums import StructureKind
from plie.errors import DomainError
from ui import app

user_id = app.require_user()
try:
    with reading() as db:
        people = admin.professionals(db, by=user_id)
        structures = admin.structures(db, by=user_id)
        teams = accounts.list_teams(db)
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title("Administration")
app.show_flash()
structure_names = {structure.id: structure.name for structure in structures}
team_names = {team.id: team.name for team in teams}

st.subheader("Professionnels et pilotes autorisés")
st.caption(
    "« Compte local autorisé » : quand ProConnect est configuré, seuls ces comptes (et les "
    "administrateurs) peuvent se connecter avec un mot de passe."
)
RIGHTS = ("Pilote autorisé", "Compte local autorisé")
edited = st.data_editor(
    people,
    hide_index=True,
    column_order=["Nom", "Email", "Structure", "Équipe", *RIGHTS],
    disabled=["Nom", "Email", "Structure", "Équipe"],
    key="pilots_table",
)
if st.button("Enregistrer les droits", key="save_pilots"):
    with app.attempt(), writing() as db:
        for before, after in zip(people, edited, strict=True):
            if before["Pilote autorisé"] != after["Pilote autorisé"]:
                admin.authorise_pilot(
                    db,
                    by=user_id,
                    professional_id=before["professional_id"],
                    allowed=after["Pilote autorisé"],
                )
            if before["Compte local autorisé"] != after["Compte local autorisé"]:
                accounts.allow_local_sign_in(
                    db,
                    by=user_id,
                    professional_id=before["professional_id"],
                    allowed=after["Compte local autorisé"],
                )
        app.flash("Les droits sont enregistrés.")
        st.rerun()

with st.form("assign"):
    st.markdown("**Structure et équipe d'un professionnel**")
    names = {row["professional_id"]: f"{row['Nom']} ({row['Email']})" for row in people}
    cols = st.columns(3)
    professional_id = cols[0].selectbox("Professionnel", list(names), format_func=names.get)
    structure_id = cols[1].selectbox(
        "Structure", [None, *structure_names], format_func=lambda v: structure_names.get(v, "—")
    )
    team_id = cols[2].selectbox(
        "Équipe", [None, *team_names], format_func=lambda v: team_names.get(v, "Aucune")
    )
    if st.form_submit_button("Enregistrer"):
        with app.attempt(), writing() as db:
            admin.assign(
                db,
                by=user_id,
                professional_id=professional_id,
                structure_id=structure_id,
                team_id=team_id,
            )
            app.flash("La structure et l'équipe sont enregistrées.")
            st.rerun()

st.subheader("Structures")
st.dataframe(
    [{"Nom": s.name, "Type": s.kind.label, "SIRET": s.siret or ""} for s in structures],
    hide_index=True,
)
with st.form("structure"):
    cols = st.columns([2, 3, 2, 2])
    picked = cols[0].selectbox(
        "Structure",
        [None, *structure_names],
        format_func=lambda v: structure_names.get(v, "Nouvelle"),
    )
    name = cols[1].text_input("Nom de la structure")
    kind = cols[2].selectbox("Type", list(StructureKind), format_func=lambda k: k.label)
    siret = cols[3].text_input("SIRET")
    if st.form_submit_button("Enregistrer la structure"):
        with app.attempt(), writing() as db:
            admin.save_structure(
                db, by=user_id, structure_id=picked, name=name, kind=kind, siret=siret
            )
            app.flash("La structure est enregistrée.")
            st.rerun()

st.subheader("Équipes de la Métropole (« Mon équipe »)")
st.dataframe([{"Équipe": team.name} for team in teams], hide_index=True)
with st.form("team"):
    cols = st.columns([2, 3])
    picked = cols[0].selectbox(
        "Équipe", [None, *team_names], format_func=lambda v: team_names.get(v, "Nouvelle")
    )
    name = cols[1].text_input("Nom de l'équipe")
    save, delete = st.columns(2)
    if save.form_submit_button("Enregistrer l'équipe"):
        with app.attempt(), writing() as db:
            admin.save_team(db, by=user_id, team_id=picked, name=name)
            app.flash("L'équipe est enregistrée.")
            st.rerun()
    if delete.form_submit_button("Supprimer l'équipe") and picked is not None:
        with app.attempt(), writing() as db:
            admin.delete_team(db, by=user_id, team_id=picked)
            app.flash("L'équipe est supprimée.")
            st.rerun()
