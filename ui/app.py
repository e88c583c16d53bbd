"""Database sessions, the signed-in professional, page links and calm error messages."""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from plie import documents
from plie.errors import DomainError, InvalidInput
from plie.paging import Page, page_of

log = logging.getLogger(__name__)

GENERIC_ERROR = (
    "Une erreur inattendue est survenue. Réessayez dans un instant ; si elle persiste, "
    "contactez l'équipe du PLIE."
)

# Streamlit's own placeholder of a multiselect is English ("Choose options").
CHOOSE = "Choisir…"

# st.Page objects by name, set by home.py before the chosen page runs.
PAGES: dict = {}


def document_uploader(label: str, *, key: str):
    """A file field for a document: the app's own size limit, and what it accepts in French
    below it (Streamlit's own line under the field is English)."""
    widget = st.file_uploader(label, key=key, max_upload_size=documents.upload_limit_mb())
    st.caption(documents.upload_rules())
    return widget


def page(name: str):
    return PAGES[name]


def user_id() -> int | None:
    return st.session_state.get("user_id")


def require_user() -> int:
    """The signed-in professional's id; otherwise a link to sign in, and the page stops."""
    if user_id() is None:
        # Where to come back once signed in: this page, with its link's parameters.
        st.session_state["after_sign_in"] = (
            st.session_state.get("page_name") or "",
            st.query_params.to_dict(),
        )
        st.info("Connectez-vous pour accéder à cette page.")
        st.page_link(page("signin"), label="Se connecter en tant que prescripteur", icon="🔑")
        st.stop()
    return user_id()


def query_id(name: str = "id") -> int | None:
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() else None


def plain(text: str | None) -> str:
    """Text that users wrote, escaped so Markdown shows it as typed (no links, no HTML)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:])", r"\\\1", text or "")


def page_selector(total: int, key: str, *, disabled: bool = False) -> Page:
    """ "Page (sur N)" when the rows fill more than one page of 100; the page chosen.

    Disabled, it stays on the page shown (one with entries not saved yet).
    """
    page = page_of(total, 1)
    if page.count == 1:
        return page
    # Keyed by the number of pages: a filter that leaves fewer pages starts again at the first.
    number = st.number_input(
        f"Page (sur {page.count})", 1, page.count, 1, key=f"{key}_{page.count}", disabled=disabled
    )
    return page_of(total, number)


def flash(message: str) -> None:
    """A success message shown once, on the next page the user sees."""
    st.session_state["flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)


@contextmanager
def attempt(field_errors: dict | None = None) -> Iterator[None]:
    """Run one user action: a domain refusal is shown as it is, anything else calmly.

    Field messages of an InvalidInput are put in `field_errors` for the page to show at
    each field; what the user typed stays in the widgets.
    """
    try:
        yield
    except InvalidInput as error:
        if field_errors is not None:
            field_errors.update(error.errors)
        st.error(error.message)
    except DomainError as error:
        st.error(error.message)
    except Exception:
        log.exception("unexpected_error page=%s", st.session_state.get("page_name"))
        st.error(GENERIC_ERROR)
