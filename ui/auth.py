"""Who is signed in: a ProConnect sign-in (st.login), or a local account kept by a cookie.

ProConnect: Streamlit runs the OpenID Connect flow and keeps the identity in its own signed,
HttpOnly cookie; the first run after the flow fetches the userinfo with the access token and
brings the professional up to date (plie.proconnect). Local accounts (the demo's, a first
admin's): the password is checked by plie.accounts and a signed token (plie.sessions) is kept
in a cookie written by ui.cookies. Either way a session ends 12 hours after authentication.
"""

import logging
from datetime import UTC, datetime

import streamlit as st

from plie import accounts, proconnect, sessions
from plie.db import reading, writing
from plie.errors import DomainError
from plie.models import Professional
from plie.self_registration import client_address
from plie.settings import SettingsError, get_settings
from ui import cookies

log = logging.getLogger(__name__)

COOKIE_NAME = "plie_connect_session"
# Written just before leaving for ProConnect: back without a sign-in means it failed or was refused.
ATTEMPT_COOKIE = "plie_connect_proconnect_attempt"
# Written before a ProConnect session that reached 12 hours is ended: st.logout leaves the app
# for ProConnect's end-session endpoint and comes back in a new session, which reads it.
EXPIRED_COOKIE = "plie_connect_session_expired"
SESSION_SECONDS = int(sessions.MAX_SESSION.total_seconds())
EXPIRED = "Votre session a duré 12 heures : reconnectez-vous pour continuer."
NOT_COMPLETED = (
    "La connexion avec ProConnect n'a pas abouti (refusée ou interrompue). "
    "Réessayez ; si le problème persiste, contactez l'équipe du PLIE."
)
_USER_KEYS = ("user_id", "user_email", "mode", "sign_in_kind", "authenticated_at", "proconnect_sub")


def proconnect_config() -> proconnect.ProConnectConfig | None:
    """ProConnect's settings, or None when the app signs in with local accounts only."""
    auth = st.secrets.get("auth") if st.secrets.load_if_toml_exists() else None
    return proconnect.load_configuration(auth.to_dict() if auth else None)


def check_configuration() -> None:
    """Stop the app with a message naming the key when ProConnect is configured wrongly."""
    try:
        proconnect_config()
    except SettingsError as error:
        st.error(str(error))
        st.stop()


def send_state_on_sign_out() -> None:
    """Make st.logout send a `state` to the end-session endpoint, as ProConnect requires.

    Streamlit 1.67 sends `client_id`, `post_logout_redirect_uri` and `id_token_hint` only. Its
    logout route looks `build_logout_url` up in its module at each sign-out, so wrapping it
    there adds the state. ProConnect sends the state back to /oauth2callback, where Streamlit,
    knowing no sign-in under it, sends the browser on to the app: nothing acts on it.
    """
    try:
        from streamlit.web.server.starlette import starlette_auth_routes as routes
    except ImportError:
        routes = None
    build = getattr(routes, "build_logout_url", None)
    if build is None:
        log.warning("logout_state_not_sent reason=streamlit_logout_route_changed")
        return
    if getattr(build, "adds_state", False):
        return

    def build_logout_url(*args, **kwargs) -> str:
        return proconnect.end_session_url_with_state(build(*args, **kwargs))

    build_logout_url.adds_state = True
    routes.build_logout_url = build_logout_url


def sync_user() -> None:
    """Keep `user_id` in the session state in step with the sign-in, whichever it is."""
    state = st.session_state
    config = proconnect_config()
    if config is not None and _streamlit_signed_in():
        _sync_proconnect(config)
        return
    if state.get("sign_in_kind") == "proconnect":
        _forget()
    if config is not None and _expiry_marked() and not state.get("expiry_seen"):
        # Back from ending a ProConnect session that had lasted 12 hours.
        state["expiry_seen"] = state["attempt_seen"] = True
        state["sign_in_problem"] = EXPIRED
        state["show_sign_in_page"] = True
        cookies.write(EXPIRED_COOKIE, "", max_age_seconds=0)
        if _attempt_marked():
            cookies.write(ATTEMPT_COOKIE, "", max_age_seconds=0)
    if config is not None and _attempt_marked() and not state.get("attempt_seen"):
        # Back from ProConnect without a sign-in: it was refused or interrupted.
        state["attempt_seen"] = True
        state["sign_in_problem"] = NOT_COMPLETED
        cookies.write(ATTEMPT_COOKIE, "", max_age_seconds=0)
    if state.get("user_id") is None and not state.get("signed_out"):
        _restore_local_session(proconnect_enabled=config is not None)
    at = state.get("authenticated_at")
    if state.get("sign_in_kind") == "local" and at and sessions.has_expired(at):
        sign_out()
        state["sign_in_problem"] = EXPIRED


def _sync_proconnect(config: proconnect.ProConnectConfig) -> None:
    state = st.session_state
    claims = st.user.to_dict()
    authenticated_at = datetime.fromtimestamp(int(claims.get("auth_time") or claims["iat"]), UTC)
    if sessions.has_expired(authenticated_at):
        if not state.get("ending_expired_session"):
            # Said on this page now, and after the round trip through ProConnect's end-session
            # endpoint (a new session) by the cookie; st.logout waits until it is written.
            log.info("proconnect_session_expired")
            _forget()
            state["ending_expired_session"] = True
            state["sign_in_problem"] = EXPIRED
            cookies.write(EXPIRED_COOKIE, "1", max_age_seconds=600)
        return
    sub = str(claims["sub"])
    if state.get("proconnect_sub") == sub and state.get("user_id") is not None:
        return
    if state.get("sign_in_problem"):
        return  # the page shows why, and offers to retry
    if _attempt_marked():
        cookies.write(ATTEMPT_COOKIE, "", max_age_seconds=0)
    try:
        with writing() as db:
            professional = proconnect.signed_in_professional(
                db, sub=sub, authenticated_at=authenticated_at
            )
            if professional is None:
                verified = proconnect.fetch_userinfo(
                    st.user.tokens.get("access", ""), config=config, subject=sub
                )
                identity = proconnect.identity_from_claims(verified)
                professional = proconnect.sign_in(
                    db, identity=identity, authenticated_at=authenticated_at
                )
            state.update(
                user_id=professional.id,
                user_email=professional.email,
                sign_in_kind="proconnect",
                authenticated_at=authenticated_at,
                proconnect_sub=sub,
            )
    except DomainError as error:
        _forget()
        state["sign_in_problem"] = error.message


def _restore_local_session(*, proconnect_enabled: bool) -> None:
    token = st.context.cookies.get(COOKIE_NAME)
    session = sessions.read_token(token, key=get_settings().cookie_key)
    if session is None:
        return
    with reading() as db:
        professional = db.get(Professional, session.professional_id)
        if professional is None or not accounts.may_sign_in_locally(
            professional, proconnect_enabled=proconnect_enabled
        ):
            return
        _remember(professional, kind="local", authenticated_at=session.authenticated_at)


def sign_in_locally(email: str, password: str) -> None:
    """Check a local password (plie.accounts raises the French refusal) and keep the session."""
    settings = get_settings()
    client = client_address(
        remote_ip=st.context.ip_address,
        forwarded_for=st.context.headers.get("X-Forwarded-For"),
        trusted_hops=settings.trusted_proxy_hops,
    )
    with writing() as db:
        professional = accounts.authenticate_local(
            db,
            email=email,
            password=password,
            proconnect_enabled=proconnect_config() is not None,
            client=client,
            settings=settings,
        )
        now = datetime.now(UTC)
        _remember(professional, kind="local", authenticated_at=now.replace(microsecond=0))
    token = sessions.issue_token(professional.id, key=get_settings().cookie_key, now=now)
    cookies.write(COOKIE_NAME, token, max_age_seconds=SESSION_SECONDS)
    st.session_state.pop("signed_out", None)
    st.session_state.pop("sign_in_problem", None)


def sign_in_with_proconnect() -> None:
    """Leave for ProConnect; a marker cookie tells, on return, that a sign-in was attempted."""
    st.session_state.pop("sign_in_problem", None)
    cookies.write(ATTEMPT_COOKIE, "1", max_age_seconds=600)
    st.session_state["leaving_for_proconnect"] = True


def leave_for_proconnect_when_ready() -> None:
    """Once the marker cookie is written, hand over to st.login, or to st.logout for a session
    that reached 12 hours (either way the browser leaves the app)."""
    state = st.session_state
    if state.get(cookies.PENDING):
        return
    if state.pop("ending_expired_session", False):
        st.logout()  # also ends the ProConnect session
        st.stop()
    if state.get("leaving_for_proconnect"):
        state.pop("leaving_for_proconnect")
        st.login(proconnect.PROVIDER)


def sign_out() -> None:
    """End the session: the local cookie goes; a ProConnect sign-out also ends ProConnect's."""
    kind = st.session_state.get("sign_in_kind")
    # Everything the session held goes, not only who was signed in: a prepared export, a
    # dry run of an import or a search would otherwise reach the next person on this browser.
    st.session_state.clear()
    st.session_state["signed_out"] = True
    cookies.write(COOKIE_NAME, "", max_age_seconds=0)
    if kind == "proconnect" or (_streamlit_signed_in() and proconnect_config() is not None):
        # Streamlit clears its cookie, then sends the browser to ProConnect's end_session_endpoint.
        st.logout()
        st.stop()


def show_sign_in_problem() -> None:
    """Why the last sign-in failed or ended, with a way to sign in again."""
    problem = st.session_state.get("sign_in_problem")
    if not problem:
        return
    st.error(problem)
    if proconnect_config() is None:
        return
    retry, cancel = st.columns(2)
    if retry.button("Réessayer avec ProConnect", key="retry_proconnect", type="primary"):
        sign_in_with_proconnect()
        st.rerun()
    if _streamlit_signed_in() and cancel.button("Annuler", key="cancel_proconnect"):
        sign_out()


def _attempt_marked() -> bool:
    return st.context.cookies.get(ATTEMPT_COOKIE) == "1"


def _expiry_marked() -> bool:
    return st.context.cookies.get(EXPIRED_COOKIE) == "1"


def _streamlit_signed_in() -> bool:
    """Streamlit holds a ProConnect identity (st.user has no is_logged_in without [auth])."""
    return bool(st.user.get("is_logged_in")) and st.user.get("provider") == proconnect.PROVIDER


def _remember(professional, *, kind: str, authenticated_at: datetime) -> None:
    st.session_state.update(
        user_id=professional.id,
        user_email=professional.email,
        sign_in_kind=kind,
        authenticated_at=authenticated_at,
    )


def _forget() -> None:
    for key in _USER_KEYS:
        st.session_state.pop(key, None)
