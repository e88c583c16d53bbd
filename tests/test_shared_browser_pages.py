"""Page tests of what one person leaves behind on a browser that the next person uses."""

import pytest

from tests.ui_support import new_app, open_page, sign_in, use_fresh_database


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def download_labels(app) -> list[str]:
    return [element.proto.label for element in app.get("download_button")]


def test_an_export_prepared_before_signing_out_is_not_offered_to_the_next_person(app):
    sign_in(app, "pilote")
    open_page(app, "triage")
    app.button(key="prepare_export").click().run()
    assert download_labels(app) == ["Télécharger l'export Excel"]

    app.button(key="sign_out").click().run()
    # A partner may see the registrations of the actions they organise, never export them.
    sign_in(app, "partenaire")
    open_page(app, "triage")

    assert not app.exception, app.exception
    assert download_labels(app) == []
    assert "triage_export" not in app.session_state
