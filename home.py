"""The frame of the app: page config, sign-in state, and the pages each role may open."""

import logging

import streamlit as st

from plie import accounts, mailer
from plie.db import get_engine, reading, writing
from plie.demo import load_demo_data
from plie.settings import get_settings
from ui import app, auth

log = logging.getLogger("plie")


@st.cache_resource
def bootstrap() -> bool:
    """Once per server: logging, the database, and the demo data on an empty demo database."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    engine = get_engine()
    if settings.demo_mode:
        with writing(engine) as db:
            load_demo_data(db)
    mailer.start_background_worker(engine, settings)
    log.info("app_started database=%s demo=%s", engine.dialect.name, settings.demo_mode)
    return True


st.set_page_config(page_title="PLIE Connect – Actions", page_icon="🤝", layout="wide")
bootstrap()

authenticator = auth.authenticator()
st.session_state["authenticator"] = authenticator
auth.sync_user(authenticator)
user_id = app.user_id()

public = [
    st.Page("app_pages/agenda.py", title="Agenda", icon="📅", url_path="agenda", default=True),
    st.Page("app_pages/action.py", title="Action", url_path="action", visibility="hidden"),
]
pages = {"Agenda": public}
if user_id is None:
    pages["Compte"] = [
        st.Page("app_pages/signin.py", title="Se connecter", icon="🔑", url_path="connexion")
    ]
else:
    pages["Prescripteur"] = [
        st.Page(
            "app_pages/dashboard.py",
            title="Mon tableau de bord",
            icon="🏠",
            url_path="tableau-de-bord",
        ),
        st.Page(
            "app_pages/register.py",
            title="Inscrire un candidat",
            url_path="inscrire",
            visibility="hidden",
        ),
        st.Page(
            "app_pages/registration.py",
            title="Inscription",
            url_path="inscription",
            visibility="hidden",
        ),
    ]
    with reading() as db:
        organiser = accounts.is_organiser(db, professional_id=user_id)
    if organiser:
        pages["Organisateur"] = [
            st.Page(
                "app_pages/triage.py",
                title="Inscriptions de l'action",
                url_path="inscriptions",
                visibility="hidden",
            ),
            st.Page(
                "app_pages/questions.py",
                title="Questions spécifiques",
                url_path="questions",
                visibility="hidden",
            ),
        ]

for group in pages.values():
    for entry in group:
        app.PAGES[entry.url_path] = entry
# The default page's url_path is "", whatever url_path it was given: name it for page links.
app.PAGES["agenda"] = public[0]
app.PAGES["signin"] = app.PAGES.get("connexion") or st.Page(
    "app_pages/signin.py", title="Se connecter", url_path="connexion"
)

navigation = st.navigation(pages)
with st.sidebar:
    if user_id is not None:
        st.caption(f"Connecté·e : {st.session_state.get('user_email', '')}")
        authenticator.logout("Déconnexion", location="sidebar")
    if get_settings().demo_mode:
        st.caption("Données de démonstration : les personnes sont fictives.")
navigation.run()
