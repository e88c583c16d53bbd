"""ProConnect: the configuration it needs, the signed userinfo, and who it signs in."""

import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey
from sqlmodel import select

from plie import accounts, proconnect, sessions
from plie.enums import StructureKind
from plie.errors import InvalidInput, NotAllowed
from plie.models import Professional, Structure
from plie.settings import SettingsError
from tests.builders import a_professional

ISSUER = "https://fca.integ01.dev-agentconnect.fr/api/v2"
CLIENT_ID = "plie-connect-client"
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1", "use": "sig"})
PROVIDER_KEYS = KeySet([RSA, EC]).as_dict(private=False)


def claims(**changes) -> dict:
    values = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "sub-lucie-1",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(seconds=60)).timestamp()),
        "email": "Lucie.Conseil@francetravail.fr",
        "given_name": "Lucie",
        "usual_name": "Conseil",
        "siret": "13000548100010",
        "phone_number": "+33 6 12 34 56 78",
        "idp_id": "idp-france-travail",
        "custom": {},
    }
    values.update(changes)
    return values


def signed(values: dict, key=RSA, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": key.kid}, values, key)


def verify(token: str, **options) -> dict:
    return proconnect.verify_userinfo(
        token, jwks=PROVIDER_KEYS, issuer=ISSUER, client_id=CLIENT_ID, now=NOW, **options
    )


# The userinfo JWT


def test_a_userinfo_signed_with_the_providers_rsa_or_ec_key_is_accepted():
    assert verify(signed(claims()))["email"] == "Lucie.Conseil@francetravail.fr"
    assert verify(signed(claims(), key=EC, alg="ES256"))["sub"] == "sub-lucie-1"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            signed(claims(), key=RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})),
            id="signed by another key under the provider's key id",
        ),
        pytest.param(signed(claims()).rsplit(".", 1)[0] + ".AAAA", id="signature cut"),
        pytest.param(
            jwt.encode(
                {"alg": "HS256"}, claims(), OctKey.import_key("a-shared-secret-of-enough-length")
            ),
            id="HS256 (not a published key)",
        ),
        pytest.param(signed(claims(iss="https://evil.example/api/v2")), id="another issuer"),
        pytest.param(signed(claims(aud="another-client")), id="another audience"),
        pytest.param(
            signed(claims(exp=int((NOW - timedelta(seconds=1)).timestamp()))), id="expired"
        ),
        pytest.param(signed({k: v for k, v in claims().items() if k != "exp"}), id="no expiry"),
        pytest.param("not-a-jwt", id="not a JWT"),
    ],
)
def test_a_forged_or_misdirected_userinfo_is_refused_in_french(token, caplog):
    with caplog.at_level(logging.INFO), pytest.raises(proconnect.SignInRefused) as refused:
        verify(token)

    assert refused.value.message == proconnect.REFUSED
    assert "Lucie" not in caplog.text and token not in caplog.text


def test_a_userinfo_about_another_person_than_the_id_token_is_refused():
    with pytest.raises(proconnect.SignInRefused):
        verify(signed(claims(sub="someone-else")), subject="sub-lucie-1")


# Who is signed in


def identity(**changes) -> proconnect.Identity:
    return proconnect.identity_from_claims(claims(**changes))


def sign_in(db, **changes) -> Professional:
    return proconnect.sign_in(db, identity=identity(**changes), authenticated_at=NOW)


def test_a_first_sign_in_creates_a_prescriber_from_the_userinfo(db):
    professional = sign_in(db)

    assert professional.email == "lucie.conseil@francetravail.fr"
    assert (professional.first_name, professional.last_name) == ("Lucie", "Conseil")
    assert professional.phone == "06 12 34 56 78"
    assert professional.proconnect_sub == "sub-lucie-1"
    assert professional.password_hash is None
    assert not (professional.is_admin or professional.is_coordinator or professional.can_pilot)
    assert not accounts.is_organiser(db, professional_id=professional.id)


def test_the_next_sign_in_finds_the_person_by_sub_and_updates_them(db):
    first = sign_in(db)

    again = sign_in(db, email="lucie.conseil@nouvelle-adresse.fr", usual_name="Conseil-Martin")

    assert again.id == first.id
    assert again.email == "lucie.conseil@nouvelle-adresse.fr"
    assert again.last_name == "Conseil-Martin"


def test_a_recreated_proconnect_account_is_found_by_its_email(db):
    local = a_professional(db)
    local_email = local.email

    professional = sign_in(db, sub="a-brand-new-sub", email=local_email.upper())

    assert professional.id == local.id
    assert professional.proconnect_sub == "a-brand-new-sub"
    assert len(db.exec(select(Professional)).all()) == 1


def test_an_email_already_used_by_another_professional_is_refused(db):
    sign_in(db)
    other = a_professional(db)

    with pytest.raises(proconnect.SignInRefused) as refused:
        sign_in(db, email=other.email)

    assert refused.value.message == proconnect.EMAIL_TAKEN


def test_the_professional_is_attached_to_the_structure_of_their_siret(db):
    structure = Structure(name="Mission Locale de Grenoble", siret="13000548100010")
    db.add(structure)
    db.commit()

    assert sign_in(db).structure_id == structure.id


def test_an_unknown_siret_gets_a_structure_named_after_it(db):
    professional = sign_in(db, siret="130 005 481 00028")

    structure = db.get(Structure, professional.structure_id)
    assert structure.siret == "13000548100028"
    assert structure.name == "Établissement SIRET 13000548100028"


def test_a_france_travail_agent_is_attached_by_the_agency_code_in_custom(db):
    agency = Structure(
        name="France Travail Grenoble Europole",
        kind=StructureKind.FRANCE_TRAVAIL,
        agency_code="38021",
    )
    national = Structure(name="France Travail (siège)", siret="13000548100010")
    db.add_all([agency, national])
    db.commit()

    professional = sign_in(db, custom={"structureTravail": "38021"})

    assert professional.structure_id == agency.id


def test_without_an_email_or_names_the_sign_in_is_refused():
    with pytest.raises(proconnect.SignInRefused) as refused:
        identity(email="")

    assert refused.value.message == proconnect.INCOMPLETE


def test_a_phone_from_proconnect_cannot_be_changed_here_but_a_missing_one_can_be_completed(db):
    with_phone = sign_in(db)
    with pytest.raises(InvalidInput) as refused:
        accounts.update_profile(db, by=with_phone.id, phone="07 00 00 00 00", team_id=None)
    assert refused.value.errors == {"phone": accounts.PHONE_FROM_PROCONNECT}

    without = sign_in(db, sub="sub-noe", email="noe@ml.fr", phone_number=None)
    accounts.update_profile(db, by=without.id, phone="0700000000", team_id=None)
    assert db.get(Professional, without.id).phone == "07 00 00 00 00"


def test_a_sign_in_already_processed_is_recognised_without_the_userinfo(db):
    professional = sign_in(db)

    found = proconnect.signed_in_professional(db, sub="sub-lucie-1", authenticated_at=NOW)
    later = proconnect.signed_in_professional(
        db, sub="sub-lucie-1", authenticated_at=NOW + timedelta(hours=1)
    )

    assert found.id == professional.id
    assert later is None


# Configuration


def auth_section(**changes) -> dict:
    provider = {
        "client_id": CLIENT_ID,
        "client_secret": "a-real-secret",
        "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
        "client_kwargs": {
            "scope": "openid email given_name usual_name siret idp_id phone custom",
            "prompt": "login",
            "token_endpoint_auth_method": "client_secret_post",
        },
    }
    provider["client_kwargs"].update(changes.pop("client_kwargs", {}))
    provider.update(changes.pop("provider", {}))
    section = {
        "redirect_uri": "https://plie.example.org/oauth2callback",
        "cookie_secret": "another-real-secret",
        "expose_tokens": ["id", "access"],
        "proconnect": provider,
    }
    section.update(changes)
    return section


def test_the_environment_comes_from_the_discovery_url():
    integration = proconnect.load_configuration(auth_section())
    production = proconnect.load_configuration(
        auth_section(
            provider={
                "server_metadata_url": "https://auth.agentconnect.gouv.fr/api/v2/.well-known/"
                "openid-configuration"
            }
        )
    )

    assert (integration.environment, production.environment) == ("integration", "production")
    assert proconnect.load_configuration({"redirect_uri": "x"}) is None


def test_the_profile_link_leads_to_proconnect_identite_of_the_environment():
    integration = proconnect.load_configuration(auth_section())
    local = proconnect.load_configuration(
        auth_section(
            provider={
                "server_metadata_url": "http://127.0.0.1:9000/api/v2/.well-known/"
                "openid-configuration"
            }
        )
    )

    assert integration.profile_url == (
        "https://identite-sandbox.proconnect.gouv.fr/personal-information"
    )
    assert proconnect.PROFILE_URLS["production"] == (
        "https://identite.proconnect.gouv.fr/personal-information"
    )
    assert local.profile_url is None


def test_the_end_session_url_gets_a_random_state_and_keeps_the_rest():
    url = (
        "https://fca.integ01.dev-agentconnect.fr/api/v2/session/end?client_id=plie"
        "&post_logout_redirect_uri=https%3A%2F%2Fplie.example%2Foauth2callback&id_token_hint=a.b.c"
    )

    first = parse_qs(urlparse(proconnect.end_session_url_with_state(url)).query)
    second = parse_qs(urlparse(proconnect.end_session_url_with_state(url)).query)

    assert len(first["state"][0]) >= 32
    assert first["state"] != second["state"]
    assert first["id_token_hint"] == ["a.b.c"]
    assert first["post_logout_redirect_uri"] == ["https://plie.example/oauth2callback"]
    assert first["client_id"] == ["plie"]
    kept = proconnect.end_session_url_with_state(url + "&state=" + "s" * 40)
    assert parse_qs(urlparse(kept).query)["state"] == ["s" * 40]


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"client_kwargs": {"prompt": "select_account"}}, "prompt"),
        ({"client_kwargs": {"token_endpoint_auth_method": "client_secret_basic"}}, "token_"),
        ({"client_kwargs": {"scope": "openid email"}}, "given_name usual_name siret idp_id"),
        ({"expose_tokens": ["id"]}, "expose_tokens"),
        ({"provider": {"server_metadata_url": "https://evil.example/.well-known/x"}}, "server"),
        ({"redirect_uri": "https://plie.example.org/"}, "redirect_uri"),
    ],
)
def test_a_configuration_proconnect_would_reject_stops_the_app(changes, named):
    with pytest.raises(SettingsError) as error:
        proconnect.load_configuration(auth_section(**changes))

    assert named in str(error.value)


# Local accounts and the length of a session


def test_once_proconnect_is_configured_only_admins_and_allowed_accounts_sign_in_locally(db):
    password = accounts.hash_password("un-mot-de-passe", rounds=4)
    prescriber = a_professional(db, password_hash=password)
    admin = a_professional(db, password_hash=password, is_admin=True)

    with pytest.raises(NotAllowed) as refused:
        accounts.authenticate_local(
            db, email=prescriber.email, password="un-mot-de-passe", proconnect_enabled=True
        )
    assert refused.value.message == accounts.LOCAL_NOT_ALLOWED
    assert accounts.authenticate_local(
        db, email=prescriber.email, password="un-mot-de-passe", proconnect_enabled=False
    )
    assert accounts.authenticate_local(
        db, email=admin.email, password="un-mot-de-passe", proconnect_enabled=True
    )

    accounts.allow_local_sign_in(db, by=admin.id, professional_id=prescriber.id, allowed=True)
    assert accounts.authenticate_local(
        db, email=prescriber.email, password="un-mot-de-passe", proconnect_enabled=True
    )


def test_only_an_admin_may_allow_a_local_account(db):
    someone = a_professional(db)

    with pytest.raises(NotAllowed):
        accounts.allow_local_sign_in(db, by=someone.id, professional_id=someone.id, allowed=True)


def test_a_wrong_password_or_unknown_email_gets_the_same_french_message(db):
    prescriber = a_professional(db, password_hash=accounts.hash_password("juste", rounds=4))

    for email, password in ((prescriber.email, "faux"), ("personne@nulle.part", "juste")):
        with pytest.raises(NotAllowed) as refused:
            accounts.authenticate_local(
                db, email=email, password=password, proconnect_enabled=False
            )
        assert refused.value.message == "Adresse email ou mot de passe incorrect."


def test_a_session_token_lasts_12_hours_and_cannot_be_forged():
    token = sessions.issue_token(42, key="k" * 32, now=NOW)

    assert (
        sessions.read_token(token, key="k" * 32, now=NOW + timedelta(hours=11)).professional_id
        == 42
    )
    assert sessions.read_token(token, key="k" * 32, now=NOW + timedelta(hours=12)) is None
    assert sessions.read_token(token, key="another key" * 3, now=NOW) is None
    signature = token.split(".")[1]
    forged_payload = sessions._encode(f'{{"pro":1,"at":{int(NOW.timestamp())}}}')
    assert sessions.read_token(f"{forged_payload}.{signature}", key="k" * 32, now=NOW) is None
    assert sessions.read_token("garbage", key="k" * 32, now=NOW) is None


def test_a_session_ends_12_hours_after_authentication():
    assert not sessions.has_expired(NOW, now=NOW + timedelta(hours=11, minutes=59))
    assert sessions.has_expired(NOW, now=NOW + timedelta(hours=12))
