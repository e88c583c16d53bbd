"""What the page tests and the browser tests share: a fresh app, demo accounts, demo ids."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from google.protobuf import text_format
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from plie import db as plie_db
from plie import settings as plie_settings
from plie.demo import DEMO_PASSWORD, EMAIL_DOMAIN
from plie.models import Action, Candidate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOME = str(PROJECT_ROOT / "home.py")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

BUILDING_SITE = "Découverte d'un chantier école bâtiment au féminin"
# A rerun of home.py loads the demo on first start and hashes passwords: leave it time.
RUN_TIMEOUT = 30


def demo_email(key: str) -> str:
    return f"{key}@{EMAIL_DOMAIN}"


def use_fresh_database(monkeypatch, directory: Path) -> str:
    """Point the app at an empty SQLite file; the first run of home.py loads the demo."""
    url = f"sqlite:///{directory / 'plie.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PLIE_DEMO_MODE", "true")
    forget_cached_resources()
    return url


def forget_cached_resources() -> None:
    plie_settings.get_settings.cache_clear()
    plie_db.get_engine.cache_clear()
    # home.py's bootstrap() is an st.cache_resource: it would skip the demo on a new file.
    st.cache_resource.clear()
    st.cache_data.clear()


def new_app() -> AppTest:
    app = AppTest.from_file(HOME, default_timeout=RUN_TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def open_page(app: AppTest, page: str, **query) -> AppTest:
    """Open app_pages/<page>.py with these query parameters, as a link would."""
    app.query_params.clear()
    app.query_params.update({name: str(value) for name, value in query.items()})
    app.switch_page(f"app_pages/{page}.py")
    app.run()
    assert not app.exception, app.exception
    return app


def sign_in(app: AppTest, key: str, password: str = DEMO_PASSWORD) -> AppTest:
    """Fill the real sign-in form with a demo account."""
    open_page(app, "signin")
    fields = {field.label: field for field in app.text_input}
    fields["Adresse email"].input(demo_email(key))
    fields["Mot de passe"].input(password)
    next(button for button in app.button if button.label == "Se connecter").click()
    app.run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> list[str]:
    """Every piece of text the page shows, to look for a sentence wherever it is."""
    shown = []
    for kind in (
        "title",
        "subheader",
        "markdown",
        "caption",
        "text",
        "info",
        "warning",
        "error",
        "success",
    ):
        shown += [str(element.value) for element in getattr(app, kind)]
    return shown


def everything_sent(app: AppTest) -> str:
    """Every element the page sent to the browser, as text: labels, values, placeholders and
    tables included, collapsed expanders and forms too, to make sure a value never leaves."""
    parts = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return "\n".join(parts)


def shows(app: AppTest, sentence: str) -> bool:
    return any(sentence in text for text in texts(app))


def action_id(title: str) -> int:
    with plie_db.reading() as db:
        return db.exec(select(Action.id).where(Action.title == title)).one()


def a_demo_candidate_named(last_name: str) -> Candidate:
    with plie_db.reading() as db:
        return db.exec(
            select(Candidate).where(Candidate.last_name == last_name).order_by(Candidate.id)
        ).first()


# The browser tests run the app as a person would: `streamlit run` on a local port.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def streamlit_server(
    database_url: str,
    log_file: Path,
    *,
    port: int | None = None,
    extra_args: tuple = (),
    extra_env: dict[str, str] | None = None,
):
    """`streamlit run home.py` on 127.0.0.1 and a free port, until the block ends."""
    port = port or free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PLIE_DEMO_MODE": "true",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        HOME,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]
    with log_file.open("w") as log:
        server = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(base_url, server)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def _wait_until_healthy(base_url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit stopped at start-up with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer on {base_url} within {timeout} s")
