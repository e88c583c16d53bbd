"""Page tests of the coordinator's pages: the import page's gate and the duplicates to merge."""

import pytest
from sqlmodel import select

from plie import db as plie_db
from plie.models import CandidateMerge
from tests.ui_support import new_app, open_page, shows, sign_in, use_fresh_database


@pytest.fixture
def app(monkeypatch, tmp_path):
    use_fresh_database(monkeypatch, tmp_path)
    return new_app()


def test_the_coordinator_sees_the_import_page(app):
    sign_in(app, "coordinateur")

    open_page(app, "participants_import")

    assert app.title[0].value == "Importer les participants du PLIE"
    assert [u.proto.max_upload_size_mb for u in app.get("file_uploader")] == [10]
    assert shows(app, "Fichier accepté : classeur Excel (.xlsx) ou CSV (.csv), de 10 Mo au plus.")


def test_the_coordinator_merges_the_demo_duplicate_but_not_the_twins(app):
    sign_in(app, "coordinateur")
    open_page(app, "duplicates")
    radios = [radio for radio in app.radio if radio.key.startswith("keep_")]
    assert len(radios) == 1
    assert not any("ROUSSEAU" in option for option in radios[0].options)
    pair = radios[0].key.removeprefix("keep_")

    app.checkbox(key=f"confirm_{pair}").check().run()
    app.button(key=f"merge_{pair}").click().run()

    assert not app.exception, app.exception
    assert shows(app, "Les deux fiches sont fusionnées ; toutes les inscriptions sont gardées.")
    assert shows(app, "Aucun doublon probable.")
    with plie_db.reading() as db:
        assert len(db.exec(select(CandidateMerge)).all()) == 1
