"""Page tests: the words Streamlit puts in its widgets are French too."""

import pytest

from tests.ui_support import new_app, open_page, sign_in, use_fresh_database


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


@pytest.mark.parametrize(("person", "page"), [("coordinateur", "statistics"), ("pilote", "triage")])
def test_the_filters_of_a_page_invite_to_choose_in_french(app, person, page):
    sign_in(app, person)

    open_page(app, page)

    placeholders = {box.label: box.proto.placeholder for box in app.multiselect}
    assert placeholders
    assert set(placeholders.values()) == {"Choisir…"}, placeholders
