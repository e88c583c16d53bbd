"""Se connecter: local accounts; in demo mode, the list of demo accounts."""

import streamlit as st

from plie.demo import DEMO_PASSWORD, EMAIL_DOMAIN, PROFESSIONALS
from plie.settings import get_settings

st.title("Se connecter")
st.write("Connectez-vous pour orienter des candidats et suivre leurs inscriptions.")

authenticator = st.session_state["authenticator"]
authenticator.login(
    location="main",
    key="signin",
    fields={
        "Form name": "Compte PLIE Connect",
        "Username": "Adresse email",
        "Password": "Mot de passe",
        "Login": "Se connecter",
    },
)
if st.session_state.get("authentication_status") is False:
    st.error("Adresse email ou mot de passe incorrect.")
elif st.session_state.get("authentication_status"):
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
