"""The admin's page: pilots, structures and the Métropole's teams."""

import pytest

from plie import accounts, admin
from plie.enums import StructureKind
from plie.errors import DomainError, InvalidInput, NotAllowed
from plie.models import Professional, Structure
from tests.builders import a_professional


@pytest.fixture
def alex(db):
    return a_professional(db, first_name="Alex", last_name="Admin", is_admin=True)


def test_an_admin_authorises_and_withdraws_a_pilot(db, alex):
    camille = a_professional(db)

    admin.authorise_pilot(db, by=alex.id, professional_id=camille.id, allowed=True)
    assert db.get(Professional, camille.id).can_pilot
    admin.authorise_pilot(db, by=alex.id, professional_id=camille.id, allowed=False)

    db.expire_all()
    assert not db.get(Professional, camille.id).can_pilot
    rows = {row["professional_id"]: row for row in admin.professionals(db, by=alex.id)}
    assert rows[camille.id]["Pilote autorisé"] is False


def test_an_admin_creates_a_structure_and_assigns_a_professional_to_it_and_a_team(db, alex):
    camille = a_professional(db)

    structure = admin.save_structure(
        db, by=alex.id, structure_id=None, name=" CCAS  d'Échirolles ", kind=StructureKind.CCAS
    )
    team = admin.save_team(db, by=alex.id, team_id=None, name="Service Emploi")
    admin.assign(
        db, by=alex.id, professional_id=camille.id, structure_id=structure.id, team_id=team.id
    )

    db.expire_all()
    assert structure.name == "CCAS d'Échirolles"
    assert (camille.structure_id, camille.team_id) == (structure.id, team.id)


def test_structure_and_team_names_are_checked(db, alex):
    admin.save_team(db, by=alex.id, team_id=None, name="Service Emploi")

    with pytest.raises(InvalidInput) as same_name:
        admin.save_team(db, by=alex.id, team_id=None, name="service emploi")
    with pytest.raises(InvalidInput) as bad_siret:
        admin.save_structure(
            db, by=alex.id, structure_id=None, name="Work", kind=StructureKind.OTHER, siret="123"
        )

    assert str(same_name.value) == "Une équipe porte déjà ce nom."
    assert str(bad_siret.value) == "Le SIRET compte 14 chiffres."


def test_a_siret_names_one_structure_only(db, alex):
    def save(structure_id, name, siret):
        return admin.save_structure(
            db, by=alex.id, structure_id=structure_id, name=name, kind="other", siret=siret
        )

    agency = save(None, "Mission Locale Grenoble", "300 000 000 00019")
    other = save(None, "Mission Locale Sud", "")
    save(agency.id, "Mission Locale de Grenoble", "30000000000019")  # its own SIRET: kept

    with pytest.raises(InvalidInput) as created:
        save(None, "Mission Locale bis", "30000000000019")
    with pytest.raises(InvalidInput) as edited:
        save(other.id, "Mission Locale Sud", "30000000000019")

    taken = (
        "Ce SIRET est déjà celui de la structure « Mission Locale de Grenoble » : modifiez-la "
        "plutôt que d'en créer une autre."
    )
    assert str(created.value) == str(edited.value) == taken
    db.expire_all()
    assert db.get(Structure, other.id).siret is None
    assert "Mission Locale bis" not in [s.name for s in admin.structures(db, by=alex.id)]


def test_a_team_with_members_cannot_be_deleted(db, alex):
    team = admin.save_team(db, by=alex.id, team_id=None, name="Service Emploi")
    camille = a_professional(db)
    admin.assign(db, by=alex.id, professional_id=camille.id, structure_id=None, team_id=team.id)

    with pytest.raises(DomainError) as refused:
        admin.delete_team(db, by=alex.id, team_id=team.id)

    assert str(refused.value) == (
        "1 professionnel fait partie de l'équipe « Service Emploi » : changez d'abord son équipe."
    )


def test_only_an_admin_manages_structures_and_teams(db, alex):
    pilot = a_professional(db, can_pilot=True)

    for attempt in (
        lambda: admin.professionals(db, by=pilot.id),
        lambda: admin.save_team(db, by=pilot.id, team_id=None, name="Nouvelle"),
        lambda: admin.save_structure(
            db, by=pilot.id, structure_id=None, name="X", kind=StructureKind.OTHER
        ),
        lambda: admin.assign(
            db, by=pilot.id, professional_id=pilot.id, structure_id=None, team_id=None
        ),
    ):
        with pytest.raises(NotAllowed) as refused:
            attempt()
        assert str(refused.value) == "Cette page est réservée aux administrateurs."


def test_the_admin_table_shows_whom_an_admin_allowed_a_local_account(db, alex):
    camille = a_professional(db)
    accounts.allow_local_sign_in(db, by=alex.id, professional_id=camille.id, allowed=True)

    rows = {row["professional_id"]: row for row in admin.professionals(db, by=alex.id)}
    assert rows[camille.id]["Compte local autorisé"] is True
    assert rows[alex.id]["Compte local autorisé"] is False
