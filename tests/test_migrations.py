import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from plie.db import (
    _alembic_config,
    _models_differ,
    check_schema_current,
    create_schema,
    current_revisions,
    expected_revisions,
    prepare_database,
    upgrade_to_head,
)
from plie.settings import SettingsError

BEHIND_MESSAGE_START = "Le schéma de la base de données n'est pas à jour (version aucune, attendue "


def test_migrations_build_exactly_the_models_tables(empty_engine):
    upgrade_to_head(empty_engine)

    with empty_engine.connect() as connection:
        differences = _models_differ(connection)
    assert differences == [], (
        'The models changed without a migration: run scripts/new_migration.sh "what changed"'
    )


def test_prepare_database_builds_an_empty_database_to_head(empty_engine):
    prepare_database(empty_engine)

    assert current_revisions(empty_engine) == expected_revisions()
    assert set(SQLModel.metadata.tables) <= set(inspect(empty_engine).get_table_names())


def test_prepare_database_accepts_a_database_already_at_head(empty_engine):
    prepare_database(empty_engine)

    prepare_database(empty_engine)

    assert current_revisions(empty_engine) == expected_revisions()


def test_a_database_behind_is_refused_with_the_command_that_upgrades_it(empty_engine):
    prepare_database(empty_engine)
    config = _alembic_config()
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    with empty_engine.begin() as connection:
        connection.execute(text("CREATE TABLE unrelated (id INTEGER)"))

    with pytest.raises(SettingsError) as refused:
        prepare_database(empty_engine)

    message = str(refused.value)
    assert message.startswith(BEHIND_MESSAGE_START)
    assert "lancez « alembic upgrade head » depuis le dossier de l'application" in message
    assert "run `alembic upgrade head` from the application folder" in message


def test_check_schema_current_refuses_a_database_without_migrations(empty_engine):
    with pytest.raises(SettingsError, match="alembic upgrade head"):
        check_schema_current(empty_engine)


def test_a_database_made_by_create_schema_is_stamped_when_identical(empty_engine):
    create_schema(empty_engine)

    prepare_database(empty_engine)

    assert current_revisions(empty_engine) == expected_revisions()


def test_a_database_made_by_an_older_create_schema_is_refused(empty_engine):
    create_schema(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text("DROP TABLE co_prescriber"))

    with pytest.raises(SettingsError, match="alembic upgrade head"):
        prepare_database(empty_engine)


def test_downgrade_removes_every_table_so_the_upgrade_can_run_again(empty_engine):
    upgrade_to_head(empty_engine)
    config = _alembic_config()

    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    upgrade_to_head(empty_engine)

    assert current_revisions(empty_engine) == expected_revisions()


def upgrade_to(engine, revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_the_siret_migration_keeps_each_siret_on_its_oldest_structure(empty_engine):
    upgrade_to(empty_engine, "7f4fe7af5df8")
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO structure (id, name, kind, siret) VALUES (:id, :name, 'OTHER', :siret)"
            ),
            [
                {"id": 1, "name": "Agence A", "siret": "12345678900011"},
                {"id": 2, "name": "Agence A bis", "siret": "12345678900011"},
                {"id": 3, "name": "Sans SIRET", "siret": ""},
                {"id": 4, "name": "Sans SIRET non plus", "siret": ""},
                {"id": 5, "name": "Autre", "siret": "98765432100012"},
            ],
        )

    upgrade_to_head(empty_engine)

    with empty_engine.connect() as connection:
        sirets = connection.execute(text("SELECT id, siret FROM structure ORDER BY id")).all()
    assert [tuple(row) for row in sirets] == [
        (1, "12345678900011"),
        (2, None),
        (3, None),
        (4, None),
        (5, "98765432100012"),
    ]


def test_the_database_refuses_a_second_structure_with_the_same_siret(engine):
    insert = text("INSERT INTO structure (name, kind, siret) VALUES (:name, 'OTHER', :siret)")
    with engine.begin() as connection:
        connection.execute(insert, {"name": "A", "siret": "12345678900011"})
        connection.execute(insert, {"name": "B", "siret": None})
        connection.execute(insert, {"name": "C", "siret": None})

    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert, {"name": "D", "siret": "12345678900011"})
