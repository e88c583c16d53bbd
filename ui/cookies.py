"""Writing a cookie in the browser, and knowing when it is written.

Streamlit reads cookies (st.context.cookies, sent with the page's WebSocket) but writes none.
A small component writes it with `document.cookie` and reports back; the frame mounts it on
every run until the report comes, so no rerun or page switch can remove it before it has run.
(A component mounted once and then dropped by an immediate rerun never ran: that is how the
sign-in cookie was lost on each reload.) Cookies asked for in the same runs are written together.

The browser's report reruns the page that the browser shows at that moment: a click on another
page just before it would be undone, so home.py shows no page links while a cookie waits.
"""

import uuid

import streamlit as st

_JS = """
export default function ({ data, setStateValue }) {
  for (const cookie of data.cookies) {
    const parts = [`${cookie.name}=${cookie.value}`, "path=/", "samesite=lax"];
    parts.push(`max-age=${cookie.max_age}`);
    if (window.location.protocol === "https:") parts.push("secure");
    document.cookie = parts.join("; ");
  }
  setStateValue("written", data.id);
}
"""
_writer = st.components.v2.component("plie_cookie_writer", js=_JS)
_KEY = "plie_cookie_writer"
PENDING = "cookie_to_write"


def write(name: str, value: str, *, max_age_seconds: int) -> None:
    """Ask the browser to store this cookie (max_age 0 removes it) from the next runs on."""
    waiting = st.session_state.get(PENDING) or {"cookies": []}
    others = [cookie for cookie in waiting["cookies"] if cookie["name"] != name]
    st.session_state[PENDING] = {
        "cookies": [*others, {"name": name, "value": value, "max_age": max_age_seconds}],
        "id": uuid.uuid4().hex,
    }


def pending() -> bool:
    """Whether cookies wait for the browser; once the browser has written them, forget them."""
    waiting = st.session_state.get(PENDING)
    if waiting and (st.session_state.get(_KEY) or {}).get("written") == waiting["id"]:
        st.session_state.pop(PENDING)
        return False
    return waiting is not None


def flush() -> None:
    """Mount the writer while cookies wait to be written."""
    if pending():
        _writer(key=_KEY, data=st.session_state[PENDING], on_written_change=lambda: None)
