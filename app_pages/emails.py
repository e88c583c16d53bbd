"""Mes emails: the outbox, read from the app (all of it for an admin)."""

import streamlit as st

from plie import queries
from plie.db import reading
from ui import app

user_id = app.require_user()
st.title("Emails")
st.caption(
    "Les emails sont enregistrés au moment de chaque changement, puis envoyés. Sans service "
    "d'envoi configuré, ils restent ici."
)
with reading() as db:
    emails = queries.outbox(db, by=user_id)
if not emails:
    st.info("Aucun email pour le moment.")
for email in emails:
    title = f"{email['Créé le']} · {email['Objet']} · {email['Destinataire']}"
    with st.expander(app.plain(title)):
        st.caption(f"Envoi : {email['Envoyé le']}")
        st.text(email["Message"])
