"""Emails en échec: an administrator sees the failed emails and puts one back to send."""

import streamlit as st

from plie import outbox
from plie.db import reading, writing
from plie.errors import DomainError
from plie.text import counted
from ui import app

user_id = app.require_user()
st.title("Emails en échec")
app.show_flash()
st.caption(
    "Les emails refusés par le service d'envoi, ou dont on ne sait pas s'ils sont partis. "
    "Remis en attente d'envoi, un email repart tel quel, avec le même identifiant."
)
try:
    with reading() as db:
        failed = outbox.failed_emails(db, by=user_id)
except DomainError as error:
    st.error(error.message)
    st.stop()

if not failed:
    st.info("Aucun email en échec.")
for email in failed:
    with st.container(border=True):
        st.markdown(f"**{app.plain(email.subject)}**")
        st.caption(
            f"Créé le {email.created_at} · destinataire : {email.to_address} · "
            f"{counted(email.attempts, 'tentative')}"
        )
        st.text(f"Dernière erreur : {email.last_error}")
        checked = False
        if email.outcome_unknown:
            st.warning(outbox.MAYBE_DELIVERED)
            checked = st.checkbox(
                "J'ai vérifié : cet email n'est pas arrivé", key=f"checked_{email.id}"
            )
        if st.button("Remettre en attente d'envoi", key=f"requeue_{email.id}"):
            with app.attempt(), writing() as db:
                outbox.requeue_email(db, by=user_id, email_id=email.id, checked=checked)
                app.flash("L'email est remis en attente d'envoi.")
                st.rerun()
