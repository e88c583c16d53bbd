"""Doublons: the records that are likely one person, for a coordinator to merge."""

import streamlit as st

from plie import duplicates
from plie.db import reading, writing
from plie.errors import DomainError
from ui import app

user_id = app.require_user()
try:
    with reading() as db:
        pairs = duplicates.find_duplicates(db, by=user_id)
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title("Doublons de candidats")
app.show_flash()
st.caption(
    "Fiches de même date de naissance dont les noms ne diffèrent que par une faute de frappe. "
    "La fusion garde la fiche choisie, lui rattache toutes les inscriptions de l'autre, "
    "complète ce qui lui manque, puis supprime l'autre fiche. Les jumeaux ne sont pas proposés."
)
if not pairs:
    st.info("Aucun doublon probable.")

for pair in pairs:
    first, second = pair.first, pair.second
    with st.container(border=True):
        choices = {
            first.id: pair.describe(first, pair.first_registrations),
            second.id: pair.describe(second, pair.second_registrations),
        }
        kept_id = st.radio(
            "Fiche à garder",
            list(choices),
            format_func=choices.get,
            key=f"keep_{first.id}_{second.id}",
        )
        merged_id = second.id if kept_id == first.id else first.id
        confirm = st.checkbox(
            "Je confirme qu'il s'agit de la même personne", key=f"confirm_{first.id}_{second.id}"
        )
        if st.button("Fusionner", disabled=not confirm, key=f"merge_{first.id}_{second.id}"):
            with app.attempt(), writing() as db:
                duplicates.merge_candidates(db, by=user_id, kept_id=kept_id, merged_id=merged_id)
                app.flash("Les deux fiches sont fusionnées ; toutes les inscriptions sont gardées.")
                st.rerun()
