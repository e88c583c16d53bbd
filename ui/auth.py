"""Local accounts (the demo's and a first admin's) through streamlit-authenticator."""

import streamlit as st
import streamlit_authenticator as stauth

from plie import accounts
from plie.db import reading
from plie.settings import get_settings

COOKIE_NAME = "plie_connect_session"
# A signed-in session lasts at most half a day, as a ProConnect session does.
SESSION_DAYS = 0.5


def authenticator() -> stauth.Authenticate:
    with reading() as db:
        credentials = accounts.local_credentials(db)
    # No api_key is given: the package then contacts no outside service.
    return stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=get_settings().cookie_key,
        cookie_expiry_days=SESSION_DAYS,
        auto_hash=False,
    )


def sync_user(auth: stauth.Authenticate) -> None:
    """Keep `user_id` in the session state in step with the authenticator's answer."""
    if not st.session_state.get("authentication_status") and COOKIE_NAME in st.context.cookies:
        # Restores a session from its cookie after a page reload.
        auth.login(location="unrendered")
    username = st.session_state.get("username")
    if st.session_state.get("authentication_status") and username:
        if st.session_state.get("user_email") != username:
            with reading() as db:
                professional = accounts.professional_by_email(db, email=username)
            st.session_state["user_id"] = professional.id if professional else None
            st.session_state["user_email"] = username
    else:
        for key in ("user_id", "user_email", "mode"):
            st.session_state.pop(key, None)
