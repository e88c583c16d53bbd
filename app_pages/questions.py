"""Questions spécifiques: the organisers define the questions their action's form asks."""

import streamlit as st

from plie.db import reading
from plie.errors import DomainError
from plie.models import Action
from plie.permissions import Operation, require
from ui import app
from ui.questions import question_editor

user_id = app.require_user()
action_id = app.query_id("action") or 0
try:
    with reading() as db:
        require(db, professional_id=user_id, action_id=action_id, operation=Operation.EDIT_ACTION)
        action = db.get(Action, action_id)
except DomainError as error:
    st.error(error.message)
    st.stop()

st.title(f"Questions spécifiques : {action.title}")
app.show_flash()
st.page_link(
    app.page("inscriptions"), label="Retour aux inscriptions", query_params={"action": action_id}
)
question_editor(action_id=action_id, user_id=user_id)
