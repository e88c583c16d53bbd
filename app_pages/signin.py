"""Se connecter: ProConnect first where it is configured, then local accounts."""

import streamlit as st

from plie.demo import DEMO_PASSWORD, EMAIL_DOMAIN, PROFESSIONALS
from plie.settings import get_settings
from ui import app, auth

if app.user_id() is not None:
    # Back to the page that asked to sign in (a link from an email), else the dashboard.
    wanted, parameters = st.session_state.pop("after_sign_in", (None, {}))
    if wanted in app.PAGES and wanted not in ("", "connexion", "signin", "agenda"):
        st.switch_page(app.page(wanted), query_params=parameters)
    st.switch_page(app.page("tableau-de-bord"))

st.title("Se connecter")
st.write("Connectez-vous pour orienter des candidats et suivre leurs inscriptions.")

proconnect = auth.proconnect_config()
if proconnect is not None:
    st.write(
        "Connectez-vous avec ProConnect, avec les identifiants que vous utilisez sur les "
        "autres services de l'État et de l'inclusion."
    )
    if st.button("S'identifier avec ProConnect", key="proconnect_sign_in", type="primary"):
        auth.sign_in_with_proconnect()
        st.rerun()
    st.caption(
        "Les comptes locaux ci-dessous sont réservés aux personnes qu'un administrateur autorise."
    )

signed_in = False
with st.form("signin"):
    st.subheader("Compte PLIE Connect")
    email = st.text_input("Adresse email", key="signin_email", autocomplete="username")
    password = st.text_input(
        "Mot de passe", type="password", key="signin_password", autocomplete="current-password"
    )
    if st.form_submit_button("Se connecter"):
        with app.attempt():
            auth.sign_in_locally(email, password)
            signed_in = True
if signed_in:
    st.rerun()

if get_settings().demo_mode:
    st.subheader("Comptes de démonstration")
    st.caption(f"Mot de passe de tous les comptes : « {DEMO_PASSWORD} ».")
    st.table(
        [
            {"Compte": f"{key}@{EMAIL_DOMAIN}", "Personne": f"{first} {last}"}
            for key, first, last, _, _ in PROFESSIONALS
        ]
    )
