"""The frame of the app: page config, sign-in state, and the pages each role may open."""

import logging
import time

import streamlit as st

from plie import accounts, audit, mailer, retention
from plie.db import get_engine, reading, writing
from plie.demo import load_demo_data
from plie.permissions import may_see_statistics
from plie.settings import get_settings
from ui import app, auth, cookies

log = logging.getLogger("plie")
# One line per script run: what the user waited for (bench/bench_pages.py reads it).
timing = logging.getLogger("plie.pages")
SLOW_RUN_SECONDS = 2.0


@st.cache_resource
def bootstrap() -> bool:
    """Once per server: logging, the database, and the demo data on an empty demo database."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    engine = get_engine()
    if settings.demo_mode:
        with writing(engine) as db:
            load_demo_data(db)
    auth.send_state_on_sign_out()
    mailer.start_background_worker(engine, settings)
    retention.start_background(engine, settings)
    log.info("app_started database=%s demo=%s", engine.dialect.name, settings.demo_mode)
    return True


run_started = time.perf_counter()
st.set_page_config(page_title="PLIE Connect – Actions", page_icon="🤝", layout="wide")
bootstrap()
audit.act_as(None)  # until this run knows who is signed in and on which page

auth.check_configuration()
auth.sync_user()
user_id = app.user_id()

public = [
    st.Page("app_pages/agenda.py", title="Agenda", icon="📅", url_path="agenda", default=True),
    st.Page("app_pages/action.py", title="Action", url_path="action", visibility="hidden"),
    st.Page(
        "app_pages/self_registration.py",
        title="S'inscrire comme candidat libre",
        url_path="candidat-libre",
        visibility="hidden",
    ),
]
pages = {"Agenda": public}
# Hidden once signed in, so that the page that signs in can send the person on.
signin = st.Page(
    "app_pages/signin.py",
    title="Se connecter",
    icon="🔑",
    url_path="connexion",
    visibility="visible" if user_id is None else "hidden",
)
pages["Compte"] = [signin]
if user_id is None:
    # Links sent by email or kept in a browser lead here while signed out: each page then asks
    # to sign in, and the sign-in brings the person back to it (ui.app.require_user). Not the
    # dashboard: the sign-in itself switches to it, and Streamlit 1.67 then runs the default
    # page instead when the switch names a hidden page that the next run shows in the sidebar.
    pages["Compte"] += [
        st.Page(f"app_pages/{script}.py", title=title, url_path=url_path, visibility="hidden")
        for script, title, url_path in (
            ("registration", "Inscription", "inscription"),
            ("review", "Bilan", "bilan"),
            ("triage", "Inscriptions de mes actions", "inscriptions"),
            ("action_edit", "Action (édition)", "action-edition"),
            ("emails", "Mes emails", "emails"),
        )
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
        st.Page("app_pages/review.py", title="Bilan", url_path="bilan", visibility="hidden"),
        st.Page("app_pages/emails.py", title="Mes emails", icon="✉️", url_path="emails"),
    ]
    with reading() as db:
        organiser = accounts.is_organiser(db, professional_id=user_id)
        me = accounts.get_professional(db, professional_id=user_id)
    if may_see_statistics(me):
        pages["Coordination"] = [
            st.Page(
                "app_pages/statistics.py",
                title="Statistiques FSE+",
                icon="📊",
                url_path="statistiques",
            ),
            st.Page(
                "app_pages/participants_import.py",
                title="Importer les participants",
                icon="📥",
                url_path="import-participants",
            ),
            st.Page("app_pages/duplicates.py", title="Doublons", icon="👥", url_path="doublons"),
        ]
    if organiser:
        pages["Organisateur"] = [
            st.Page(
                "app_pages/triage.py",
                title="Inscriptions de mes actions",
                icon="🗂️",
                url_path="inscriptions",
            ),
            st.Page(
                "app_pages/action_edit.py",
                title="Action (édition)",
                url_path="action-edition",
                visibility="hidden",
            ),
            st.Page(
                "app_pages/questions.py",
                title="Questions spécifiques",
                url_path="questions",
                visibility="hidden",
            ),
            st.Page("app_pages/followups.py", title="Suivis à saisir", url_path="suivis"),
        ]

    if me.is_admin:
        pages["Administration"] = [
            st.Page("app_pages/admin.py", title="Administration", icon="⚙️", url_path="admin"),
            st.Page(
                "app_pages/audit.py",
                title="Journal et conservation",
                icon="🛡️",
                url_path="journal",
            ),
            st.Page(
                "app_pages/failed_emails.py",
                title="Emails en échec",
                icon="📮",
                url_path="emails-en-echec",
            ),
        ]

for group in pages.values():
    for entry in group:
        app.PAGES[entry.url_path] = entry
# The default page's url_path is "", whatever url_path it was given: name it for page links.
app.PAGES["agenda"] = public[0]
app.PAGES["signin"] = signin

navigation = st.navigation(pages)
if st.session_state.pop("show_sign_in_page", False) and navigation.url_path != "connexion":
    # Back from ending a ProConnect session that had lasted 12 hours: the sign-in page says so.
    st.switch_page(signin)
st.session_state["page_name"] = navigation.url_path or "agenda"
# Every change written during this run is recorded under the signed-in person and this page.
audit.act_as(user_id, page=navigation.url_path or "agenda")
auth.show_sign_in_problem()
with st.sidebar:
    if user_id is not None:
        st.caption(f"Connecté·e : {st.session_state.get('user_email', '')}")
        if st.button("Déconnexion", key="sign_out"):
            auth.sign_out()
            st.rerun()
    cookies.flush()
    auth.leave_for_proconnect_when_ready()
    if get_settings().demo_mode:
        st.caption("Données de démonstration : les personnes sont fictives.")
try:
    navigation.run()
finally:
    # Also when the page stops or reruns: those runs are waited for too.
    elapsed = time.perf_counter() - run_started
    timing.log(
        logging.WARNING if elapsed > SLOW_RUN_SECONDS else logging.DEBUG,
        "page_run page=%s ms=%.1f",
        navigation.url_path or "agenda",
        elapsed * 1000,
    )
