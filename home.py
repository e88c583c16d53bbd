"""The frame of the app: page config, sign-in state, and the pages each role may open."""

import logging
import time

import streamlit as st

from plie import accounts, audit, mailer, retention
from plie.db import get_engine, reading, writing
from plie.demo import load_demo_data
from plie.permissions import may_see_statistics
from plie.settings import get_settings
from ui import app, auth, cookies, sitemap

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

groups = set()
if user_id is not None:
    with reading() as db:
        me = accounts.get_professional(db, professional_id=user_id)
        organiser = accounts.is_organiser(db, professional_id=user_id)
    groups = {"Prescripteur"}
    groups |= {"Coordination"} if may_see_statistics(me) else set()
    groups |= {"Organisateur"} if organiser else set()
    groups |= {"Administration"} if me.is_admin else set()
# The pages of the other groups stay at their addresses, hidden, so that a link (from an email,
# kept in a browser) never meets Streamlit's English "Page not found": signed out, each page
# asks to sign in and the sign-in leads back to it (ui.app.require_user); signed in, the page
# itself says why it is refused.
others = "Compte" if user_id is None else "Prescripteur"
for group, entries in sitemap.SIGNED_IN_PAGES.items():
    if group in groups:
        pages[group] = [sitemap.page(entry) for entry in entries]
    else:
        pages.setdefault(others, []).extend(sitemap.page(entry, hidden=True) for entry in entries)

for group in pages.values():
    for entry in group:
        app.PAGES[entry.url_path] = entry
# The default page's url_path is "", whatever url_path it was given: name it for page links.
app.PAGES["agenda"] = public[0]
app.PAGES["signin"] = signin

# No sidebar links while a cookie waits for the browser (just after a sign-in or a sign-out):
# the browser's report of the write reruns the page it shows, which would undo a click made
# just before the report (ui.cookies).
navigation = st.navigation(pages, position="hidden" if cookies.pending() else "sidebar")
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
            # Back to the agenda, not to the page just left, which would ask to sign in again.
            st.switch_page(app.PAGES["agenda"])
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
