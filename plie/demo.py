"""The demo data: the actions of the PLIE's user guide, with fictional people.

Dates are placed relative to the day the data is loaded, so the agenda always shows sessions
to come. Phone numbers come from the ranges ARCEP keeps for fiction; emails use the reserved
.example domain.
"""

import logging
import random
from datetime import date, timedelta

from sqlalchemy import text
from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.accounts import hash_password
from plie.dates import paris_instant, today_in_paris
from plie.enums import (
    ActionType,
    Attendance,
    EligibilityScheme,
    Gender,
    MemberRole,
    OutboxStatus,
    QuestionKind,
    RegistrationStatus,
    SessionKind,
    StructureKind,
)
from plie.models import (
    Action,
    ActionMember,
    ActionQuestion,
    Candidate,
    CoPrescriber,
    EligibilityAnswer,
    Employer,
    FollowUp,
    OutboxEmail,
    Professional,
    QuestionAnswer,
    Registration,
    RegistrationSession,
    RegistrationSlot,
    ReviewEntry,
    SelfRegistration,
    Session,
    SessionReview,
    Slot,
    StatusChange,
    Structure,
    Team,
)
from plie.self_registration import NOTICE_VERSION
from plie.text import search_key
from plie.triage import REFUSAL_REASONS

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo"
EMAIL_DOMAIN = "plie-demo.example"

TEAMS = (
    "Unité Achat Responsable pour l'emploi",
    "Service Emploi et Insertion",
    "Mission Cité de l'emploi",
)

# (key, first name, last name, structure key, flags)
PROFESSIONALS = (
    ("admin", "Alex", "ADMIN-DEMO", "metropole", {"is_admin": True}),
    ("coordinateur", "Claude", "COORDO-DEMO", "plie", {"is_coordinator": True}),
    ("pilote", "Dominique", "PILOTE", "metropole", {"can_pilot": True, "team": 1}),
    ("copilote", "Camille", "MARTIN-EXEMPLE", "metropole", {"can_pilot": True, "team": 0}),
    ("partenaire", "Sacha", "WORK-DEMO", "work2000", {}),
    ("france-travail", "Lucie", "CONSEIL-DEMO", "france_travail", {}),
    ("mission-locale", "Noé", "JEUNES-DEMO", "mission_locale", {}),
    ("referent-plie", "Maëlle", "PARCOURS-DEMO", "plie", {}),
    ("ccas", "Yanis", "SOLIDAIRE-DEMO", "ccas", {}),
)

STRUCTURES = {
    "metropole": ("Grenoble Alpes Métropole", StructureKind.METROPOLE, "20004050900013"),
    "plie": ("PLIE de la Métropole grenobloise", StructureKind.PLIE, "20004050900021"),
    "work2000": ("Work 2000", StructureKind.EMPLOYMENT_AGENCY, "40000000000018"),
    "france_travail": ("France Travail Grenoble Europole", StructureKind.FRANCE_TRAVAIL, None),
    "mission_locale": ("Mission Locale Grenoble", StructureKind.MISSION_LOCALE, "30000000000019"),
    "ccas": ("CCAS de Saint-Martin-d'Hères", StructureKind.CCAS, "26380000000012"),
}

FIRST_NAMES_F = [
    "Amina",
    "Chloé",
    "Fatou",
    "Inès",
    "Julie",
    "Léa",
    "Maëva",
    "Nadia",
    "Sarah",
    "Zoé",
    "Élodie",
    "Anaïs",
    "Karima",
    "Lina",
    "Manon",
]
FIRST_NAMES_M = [
    "Adrien",
    "Bilal",
    "Cédric",
    "Dylan",
    "Farid",
    "Hugo",
    "Jérôme",
    "Karim",
    "Louis",
    "Mathis",
    "Nicolas",
    "Omar",
    "Rémi",
    "Théo",
    "Yacine",
]
LAST_NAMES = [
    "Lefèvre",
    "Benali",
    "Garcia",
    "Moreau",
    "N'Diaye",
    "Rousseau",
    "Dupont-Martin",
    "Nguyen",
    "Faure",
    "Chevalier",
    "Bertrand",
    "Da Silva",
    "Girard",
    "Haddad",
    "Lambert",
    "Mercier",
    "Perrin",
    "Roux",
    "Traoré",
    "Vincent",
    "Blanc",
    "Aubert",
    "Bonnet",
    "Colin",
    "Diallo",
]
STREETS = [
    "rue des Alliés",
    "avenue Jean Perrot",
    "place Saint-Bruno",
    "rue Anatole France",
    "cours Berriat",
    "avenue de la Mogne",
    "rue Paul Bert",
]
COMMUNES = [
    ("38100", "Grenoble"),
    ("38400", "Saint-Martin-d'Hères"),
    ("38130", "Échirolles"),
    ("38600", "Fontaine"),
]


def _professionals(db: DbSession) -> dict[str, Professional]:
    teams = [Team(name=name) for name in TEAMS]
    db.add_all(teams)
    structures = {
        key: Structure(name=name, kind=kind, siret=siret)
        for key, (name, kind, siret) in STRUCTURES.items()
    }
    structures["france_travail"].agency_code = "38021"
    db.add_all(structures.values())
    db.flush()

    # bcrypt at a lower cost for the shared demo password: it is printed on the sign-in page.
    password_hash = hash_password(DEMO_PASSWORD, rounds=8)
    people = {}
    for index, (key, first, last, structure, flags) in enumerate(PROFESSIONALS):
        team = flags.get("team")
        people[key] = Professional(
            email=f"{key}@{EMAIL_DOMAIN}",
            first_name=first,
            last_name=last,
            phone=f"06 39 98 00 {index:02d}",
            structure_id=structures[structure].id,
            team_id=teams[team].id if team is not None else None,
            is_admin=flags.get("is_admin", False),
            is_coordinator=flags.get("is_coordinator", False),
            can_pilot=flags.get("can_pilot", False),
            password_hash=password_hash,
            # The demo keeps its accounts even where ProConnect is configured.
            local_sign_in_allowed=True,
        )
    db.add_all(people.values())
    db.flush()
    return people


def _session(
    action: Action,
    label: str,
    kind: SessionKind,
    day: date,
    hours: tuple[int, int],
    *,
    capacity: int,
    place: str,
    address: str,
    last_day: date | None = None,
    deadline: date | None = None,
) -> Session:
    return Session(
        action=action,
        label=label,
        kind=kind,
        starts_at=paris_instant(day, hours[0]),
        ends_at=paris_instant(last_day or day, hours[1]),
        capacity=capacity,
        place_name=place,
        address=address,
        registration_deadline=deadline or day - timedelta(days=1),
    )


def _actions(db: DbSession, today: date, people: dict[str, Professional]) -> dict[str, Action]:
    window = {
        "publication_start": today - timedelta(days=10),
        "publication_end": today + timedelta(days=120),
    }
    actions = {
        "chantier": Action(
            title="Découverte d'un chantier école bâtiment au féminin",
            action_type=ActionType.TRADE_PROMOTION,
            summary="Présentation, témoignages et visite",
            description=(
                "Venez découvrir un chantier école et rencontrer des professionnelles du "
                "bâtiment à la Machinerie à Grenoble !\n\n"
                "* Rencontre avec des femmes qui exercent dans le bâtiment afin de répondre "
                "à toutes vos questions\n"
                "* Visite d'un chantier école et échanges avec les stagiaires et formateurs\n"
                "* Présentation du projet de chantier école mixte prévu cette année"
            ),
            commune="Grenoble",
            allows_self_registration=True,
            **window,
        ),
        "numerique": Action(
            title="Atelier Numériqu'Emploi",
            action_type=ActionType.WORKSHOP,
            summary="Utiliser son smartphone dans un cadre professionnel, échanger avec un "
            "recruteur, un employeur, un organisme de formation.",
            description="Un atelier du matin pour prendre en main les outils numériques de la "
            "recherche d'emploi : messagerie, candidature en ligne, agenda.",
            commune="Saint-Martin-d'Hères",
            allows_self_registration=True,
            **window,
        ),
        "jobreboost": Action(
            title="Jobreboost 100 chances 100 emplois",
            action_type=ActionType.PARTNERS,
            summary="Candidat-e avec projet professionnel (emploi, alternance, formation) mais "
            "manque de réseau.",
            description="Un parcours collectif avec des entreprises partenaires pour "
            "construire son réseau et décrocher un emploi.",
            commune="Grenoble",
            **window,
        ),
        "clause": Action(
            title="Dispositif Clause emploi – Orientation Work 2000",
            action_type=ActionType.CLAUSE,
            eligibility_scheme=EligibilityScheme.CLAUSE,
            summary="Orientation vers Work 2000, agence d'emploi conventionnée par Grenoble "
            "Alpes Métropole pour la mise en œuvre des clauses emploi.",
            description="Les candidats orientés sont reçus par Work 2000 puis positionnés sur "
            "les missions liées aux clauses sociales des marchés publics.",
            commune="Grenoble",
            **window,
        ),
        "recrutement": Action(
            title="Job dating logistique et propreté",
            action_type=ActionType.RECRUITMENT,
            summary="Rencontrez deux employeurs qui recrutent en CDI et en intérim.",
            description="Préparez votre CV : chaque candidat rencontre jusqu'à trois "
            "employeurs sur des créneaux de 20 minutes.",
            commune="Échirolles",
            max_employers_per_candidate=3,
            **window,
        ),
        "formation": Action(
            title="Formation agent·e de propreté et d'hygiène",
            action_type=ActionType.TRAINING,
            eligibility_scheme=EligibilityScheme.FSE,
            summary="Une formation qualifiante de 8 semaines cofinancée par le FSE+.",
            description="Formation avec stage en entreprise, ouverte aux personnes éligibles "
            "au FSE+.",
            commune="Fontaine",
            proofs_guide_url="https://www.plie-demo.example/justificatifs.pdf",
            allows_self_registration=True,
            **window,
        ),
        "qpv": Action(
            title="Cité de l'emploi – Rencontres emploi dans les quartiers",
            action_type=ActionType.WORKSHOP,
            eligibility_scheme=EligibilityScheme.QPV,
            summary="Des rencontres au pied des immeubles avec les employeurs du territoire.",
            description="Action des quartiers prioritaires de la politique de la ville, "
            "validée automatiquement.",
            commune="Échirolles",
            auto_validate=True,
            **window,
        ),
    }
    # Prepared by its pilot, published in a week: on the dashboard, not yet in the agenda.
    actions["entretiens"] = Action(
        title="Atelier préparation aux entretiens d'embauche",
        action_type=ActionType.WORKSHOP,
        summary="Se préparer aux questions des recruteurs, par des mises en situation.",
        description="Deux heures de mises en situation filmées, puis un retour individuel.",
        commune="Grenoble",
        publication_start=today + timedelta(days=7),
        publication_end=today + timedelta(days=60),
    )
    db.add_all(actions.values())

    machinerie = ("La Machinerie", "11 rue des Peupliers, 38100 Grenoble")
    quarter_start = today - timedelta(days=5)
    sessions = [
        _session(
            actions["chantier"],
            "Visite du chantier école",
            SessionKind.VISIT,
            today + timedelta(days=40),
            (9, 12),
            capacity=30,
            place=machinerie[0],
            address=machinerie[1],
        ),
        _session(
            actions["numerique"],
            "Atelier du matin",
            SessionKind.WORKSHOP,
            today + timedelta(days=21),
            (9, 12),
            capacity=12,
            place="Maison de l'emploi",
            address="2 avenue Benoît Frachon, 38400 Saint-Martin-d'Hères",
        ),
        _session(
            actions["jobreboost"],
            "Promotion de janvier",
            SessionKind.INFORMATION,
            today + timedelta(days=30),
            (9, 17),
            capacity=20,
            place="Pôle entreprises",
            address="3 rue Malakoff, 38000 Grenoble",
            last_day=today + timedelta(days=34),
        ),
        _session(
            actions["clause"],
            "Premier trimestre",
            SessionKind.ORIENTATION,
            quarter_start,
            (7, 20),
            capacity=60,
            place="Work 2000",
            address="8 rue Lesdiguières, 38000 Grenoble",
            last_day=quarter_start + timedelta(days=90),
            deadline=quarter_start + timedelta(days=85),
        ),
        _session(
            actions["formation"],
            "Session de printemps",
            SessionKind.TRAINING,
            today + timedelta(days=60),
            (9, 17),
            capacity=12,
            place="Centre de formation",
            address="5 rue de la République, 38600 Fontaine",
            last_day=today + timedelta(days=116),
            deadline=today + timedelta(days=45),
        ),
        _session(
            actions["entretiens"],
            "Atelier du mardi",
            SessionKind.WORKSHOP,
            today + timedelta(days=28),
            (14, 16),
            capacity=10,
            place="Maison de l'emploi",
            address="3 rue Malakoff, 38000 Grenoble",
        ),
        _session(
            actions["qpv"],
            "Rencontre au Village Olympique",
            SessionKind.INFORMATION,
            today + timedelta(days=14),
            (14, 17),
            capacity=25,
            place="Maison des habitants",
            address="1 place du Village Olympique, 38130 Échirolles",
        ),
    ]
    recruitment_day = today + timedelta(days=25)
    recruitment = _session(
        actions["recrutement"],
        "Session de recrutement",
        SessionKind.RECRUITMENT,
        recruitment_day,
        (8, 12),
        capacity=20,
        place="Salle des fêtes",
        address="Place des Cinq Fontaines, 38130 Échirolles",
    )
    sessions.append(recruitment)
    db.add_all(sessions)
    for name, offers in (
        ("Logistique Alpes Express", "Préparateur·rice de commandes (CDI), cariste (intérim)"),
        ("Propreté Dauphiné Services", "Agent·e de propreté (CDI temps partiel)"),
    ):
        employer = Employer(session=recruitment, name=name, job_offers=offers)
        db.add(employer)
        for hour in (9, 10):
            db.add(
                Slot(employer=employer, starts_at=paris_instant(recruitment_day, hour), capacity=5)
            )
    db.flush()
    _questions(db, actions)

    team = {
        "chantier": [("pilote", MemberRole.PILOT)],
        "numerique": [("pilote", MemberRole.PILOT), ("copilote", MemberRole.COPILOT)],
        "jobreboost": [("pilote", MemberRole.PILOT)],
        "clause": [("copilote", MemberRole.PILOT), ("partenaire", MemberRole.PARTNER)],
        "recrutement": [("pilote", MemberRole.PILOT), ("copilote", MemberRole.COPILOT)],
        "formation": [("copilote", MemberRole.PILOT), ("pilote", MemberRole.COPILOT)],
        "qpv": [("pilote", MemberRole.PILOT), ("partenaire", MemberRole.PARTNER)],
        "entretiens": [("pilote", MemberRole.PILOT)],
    }
    for key, members in team.items():
        for person, role in members:
            db.add(
                ActionMember(
                    action_id=actions[key].id, professional_id=people[person].id, role=role
                )
            )
    return actions


# The action's own questions ("Questions spécifiques") of the demo, in their order.
DEMO_QUESTIONS = {
    "recrutement": [
        ("Dépôt du CV", QuestionKind.FILE, True, ""),
        ("Permis B", QuestionKind.YES_NO, True, ""),
    ],
    "formation": [
        ("Disponibilité", QuestionKind.CHOICE, True, "Dès maintenant\nDans le mois\nPlus tard"),
        ("Projet professionnel en quelques mots", QuestionKind.TEXT, False, ""),
    ],
    "clause": [("Permis B", QuestionKind.YES_NO, False, "")],
    "qpv": [("Quartier d'habitation", QuestionKind.TEXT, False, "")],
}

# Answers of the demo's registrations, by scheme: enough to send them.
DEMO_ANSWERS = {
    EligibilityScheme.NONE: [("statistics", "plie")],
    EligibilityScheme.CLAUSE: [("clause_criteria", "plie"), ("clause_criteria", "deld")],
    EligibilityScheme.FSE: [
        ("fse_criteria", "deld"),
        ("plie_participant", "oui"),
        ("viesion_link", "https://viesion.plie-demo.example/dossiers/1"),
    ],
    EligibilityScheme.QPV: [("qpv", "oui"), ("qpv_statistics", "deld")],
}


def _questions(db: DbSession, actions: dict[str, Action]) -> None:
    for key, asked in DEMO_QUESTIONS.items():
        for position, (label, kind, required, choices) in enumerate(asked, start=1):
            db.add(
                ActionQuestion(
                    action_id=actions[key].id,
                    position=position,
                    label=label,
                    kind=kind,
                    required=required,
                    choices=choices,
                )
            )


def _answer(db: DbSession, registration: Registration, action: Action) -> None:
    for field, value in DEMO_ANSWERS[action.eligibility_scheme]:
        db.add(EligibilityAnswer(registration_id=registration.id, field=field, value=value))


def _candidates(db: DbSession, rng: random.Random, today: date) -> list[Candidate]:
    candidates = []
    for index in range(50):
        gender = Gender.FEMALE if index % 2 == 0 else Gender.MALE
        names = FIRST_NAMES_F if gender is Gender.FEMALE else FIRST_NAMES_M
        first, last = names[index // 2 % len(names)], LAST_NAMES[index % len(LAST_NAMES)]
        postcode, commune = rng.choice(COMMUNES)
        age_days = rng.randint(17 * 365, 60 * 365)
        participant = index % 3 == 0
        candidates.append(
            Candidate(
                last_name=last,
                first_name=first,
                last_name_key=search_key(last),
                first_name_key=search_key(first),
                birth_date=today - timedelta(days=age_days),
                gender=gender,
                phone=f"06 39 98 {10 + index // 100:02d} {index % 100:02d}",
                email=f"candidat{index + 1}@{EMAIL_DOMAIN}" if index % 4 else None,
                address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {postcode} {commune}",
                is_qpv=rng.random() < 0.35,
                qualification_level=str(rng.choice([2, 3, 3, 4, 4, 5, 6])),
                is_plie_participant=participant,
                viesion_id=f"VIE{100000 + index}" if participant else None,
            )
        )
    db.add_all(candidates)
    db.flush()
    return candidates


def _register(db, *, candidate, action, session, prescriber, status, by_organiser=None):
    if candidate.created_by_id is None:
        candidate.created_by_id = prescriber.id  # the first to register them entered them
    registration = Registration(
        action_id=action.id,
        candidate_id=candidate.id,
        prescriber_id=prescriber.id,
        status=status,
    )
    db.add(registration)
    db.flush()
    db.add(RegistrationSession(registration_id=registration.id, session_id=session.id))
    _answer(db, registration, action)
    db.add(
        StatusChange(
            registration_id=registration.id, to_status=RegistrationStatus.DRAFT, by_id=prescriber.id
        )
    )
    if status is not RegistrationStatus.DRAFT:
        registration.submitted_at = registration.created_at
        db.add(
            StatusChange(
                registration_id=registration.id,
                from_status=RegistrationStatus.DRAFT,
                to_status=RegistrationStatus.PENDING,
                by_id=prescriber.id,
            )
        )
    if status not in (RegistrationStatus.DRAFT, RegistrationStatus.PENDING):
        registration.processed_at = registration.created_at
        db.add(
            StatusChange(
                registration_id=registration.id,
                from_status=RegistrationStatus.PENDING,
                to_status=status,
                by_id=by_organiser.id,
                reason=REFUSAL_REASONS[status][0] if status in REFUSAL_REASONS else None,
            )
        )
    if registration.holds_places:
        session.places_taken += 1
        db.add(session)
    return registration


def _past_workshop(db, today, people, candidates) -> None:
    """A workshop of last autumn, for the coordinators' statistics: registrations sent over
    several weeks, and three imported participants whose record misses what ESF+ counts."""
    action = Action(
        title="Atelier CV et lettre de motivation",
        action_type=ActionType.WORKSHOP,
        eligibility_scheme=EligibilityScheme.FSE,
        summary="Trois matinées pour refaire son CV.",
        publication_start=today - timedelta(days=120),
        publication_end=today - timedelta(days=20),
        commune="Grenoble",
    )
    db.add(action)
    db.flush()
    db.add(
        ActionMember(
            action_id=action.id, professional_id=people["pilote"].id, role=MemberRole.PILOT
        )
    )
    sessions = [
        _session(
            action,
            f"Matinée {index + 1}",
            SessionKind.WORKSHOP,
            today - timedelta(days=days),
            (9, 12),
            capacity=8,
            place="Maison de l'emploi",
            address="2 avenue Benoît Frachon, 38400 Saint-Martin-d'Hères",
        )
        for index, days in enumerate((80, 50, 25))
    ]
    db.add_all(sessions)
    db.flush()
    # Imported from Viesion before these fields were required.
    candidates[44].gender = None
    candidates[45].qualification_level = None
    candidates[46].is_qpv = None
    S = RegistrationStatus
    statuses = [S.VALIDATED] * 10 + [S.UNREGISTERED, S.REFUSED_BY_CANDIDATE, S.DEFERRED]
    for index, candidate in enumerate(candidates[34:47]):
        session = sessions[index % 3]
        registration = _register(
            db,
            candidate=candidate,
            action=action,
            session=session,
            prescriber=people[("france-travail", "mission-locale", "ccas")[index % 3]],
            status=statuses[index],
            by_organiser=people["pilote"],
        )
        sent = session.starts_at - timedelta(days=7 + 3 * (index % 4))
        registration.created_at = registration.submitted_at = sent
        registration.processed_at = sent + timedelta(days=1)


def _failed_emails(db: DbSession, people: dict[str, Professional]) -> None:
    """Two emails the administrator finds in "Emails en échec": one refused, one unknown."""
    for key, prescriber, error, unknown in (
        ("demo-refused", "ccas", "smtp refused the recipient", False),
        ("demo-timed-out", "mission-locale", "sendgrid gave no answer within 15.0s", True),
    ):
        db.add(
            OutboxEmail(
                key=key,
                to_address=people[prescriber].email,
                subject="Inscription enregistrée : Atelier Numériqu'Emploi",
                body="Bonjour,\n\nL'inscription est enregistrée définitivement.\n\n"
                "PLIE Connect – Actions",
                status=OutboxStatus.FAILED,
                attempts=1,
                last_error=error,
                outcome_unknown=unknown,
            )
        )


def _meet(db: DbSession, registration: Registration, slot: Slot) -> None:
    """A demo registration that holds its places meets one employer."""
    db.add(
        RegistrationSlot(
            registration_id=registration.id,
            session_id=slot.employer.session_id,
            employer_id=slot.employer_id,
            slot_id=slot.id,
        )
    )
    slot.places_taken += 1
    db.add(slot)


# Any number that no other advisory lock of the module uses.
DEMO_LOCK_KEY = 7_331_001


def load_demo_data(db: DbSession, *, today: date | None = None) -> bool:
    """Fill an empty database with the demo; a database that has actions is left as it is.

    Several app servers may start together on one empty database: on PostgreSQL a transaction
    lock makes the others wait and then find the demo there (SQLite's BEGIN IMMEDIATE already
    does).
    """
    if db.get_bind().dialect.name == "postgresql":
        db.exec(text("SELECT pg_advisory_xact_lock(:key)"), params={"key": DEMO_LOCK_KEY})
    if db.exec(select(Action.id)).first() is not None:
        return False
    today = today or today_in_paris()
    rng = random.Random(2025)

    people = _professionals(db)
    actions = _actions(db, today, people)
    candidates = _candidates(db, rng, today)
    db.flush()

    def first_session(key):
        return actions[key].sessions[0]

    S = RegistrationStatus
    # One place already taken on the building site visit, as in the guide: 29 remain.
    _register(
        db,
        candidate=candidates[1],
        action=actions["chantier"],
        session=first_session("chantier"),
        prescriber=people["france-travail"],
        status=S.VALIDATED,
        by_organiser=people["pilote"],
    )
    plan = [
        (
            "clause",
            "referent-plie",
            [S.PENDING, S.ELIGIBILITY_NOT_VALIDATED, S.ELIGIBILITY_VALIDATED, S.VALIDATED, S.DRAFT],
        ),
        ("numerique", "france-travail", [S.PENDING, S.PENDING, S.VALIDATED, S.DEFERRED]),
        (
            "recrutement",
            "mission-locale",
            [S.PENDING, S.PENDING, S.PENDING, S.REFUSED_BY_COMMISSION],
        ),
        ("recrutement", "france-travail", [S.PENDING, S.ELIGIBILITY_NOT_VALIDATED]),
        ("formation", "ccas", [S.PENDING, S.ELIGIBILITY_NOT_VALIDATED]),
        ("qpv", "france-travail", [S.VALIDATED, S.UNREGISTERED]),
    ]
    organisers = {"clause": "copilote", "formation": "copilote"}
    next_candidate = 2
    made = []
    for key, prescriber, statuses in plan:
        for status in statuses:
            registration = _register(
                db,
                candidate=candidates[next_candidate],
                action=actions[key],
                session=first_session(key),
                prescriber=people[prescriber],
                status=status,
                by_organiser=people[organisers.get(key, "pilote")],
            )
            made.append((key, registration))
            next_candidate += 1
    # The recruitment's registrations that wait hold a slot each, as the grid then shows.
    slots = sorted(
        (slot for employer in first_session("recrutement").employers for slot in employer.slots),
        key=lambda slot: (slot.employer.name, slot.starts_at),
    )
    waiting = [r for key, r in made if key == "recrutement" and r.holds_places]
    for registration, slot in zip(waiting, [slots[0], slots[3], slots[2]], strict=False):
        _meet(db, registration, slot)
    _duplicates_and_self_registration(db, candidates, actions, people)
    _past_workshop(db, today, people, candidates)
    _past_sessions(db, today, actions, candidates, people)
    _failed_emails(db, people)
    db.commit()
    log.info("demo_loaded actions=%s candidates=%s", len(actions), len(candidates))
    return True


def _duplicates_and_self_registration(db, candidates, actions, people) -> None:
    """A person entered twice with a spelling slip, twins, and a "candidat libre".

    The coordinator's "Doublons" page then proposes the first pair and leaves the twins apart;
    the organisers of the digital workshop see one registration made by the candidate.
    """
    original = candidates[1]
    slip = Candidate(
        last_name="Benalli",
        first_name=original.first_name,
        last_name_key=search_key("Benalli"),
        first_name_key=original.first_name_key,
        birth_date=original.birth_date,
        gender=original.gender,
        phone="06 39 98 20 01",
    )
    twins_born = original.birth_date - timedelta(days=3650)
    twins = [
        Candidate(
            last_name="Rousseau",
            first_name=first,
            last_name_key="rousseau",
            first_name_key=search_key(first),
            birth_date=twins_born,
            gender=gender,
            phone=phone,
        )
        for first, gender, phone in (
            ("Léa", Gender.FEMALE, "06 39 98 20 02"),
            ("Léo", Gender.MALE, "06 39 98 20 03"),
        )
    ]
    db.add_all([slip, *twins])
    db.flush()
    _register(
        db,
        candidate=slip,
        action=actions["jobreboost"],
        session=actions["jobreboost"].sessions[0],
        prescriber=people["referent-plie"],
        status=RegistrationStatus.DRAFT,
    )

    # Léa registered herself to the digital workshop; Léo to the training, whose FSE proof
    # and CV the organisers still have to collect with him.
    _self_registration(
        db,
        twins[0],
        actions["numerique"],
        eligibility=[("statistics", "under_26")],
        questions={},
    )
    _self_registration(
        db,
        twins[1],
        actions["formation"],
        eligibility=[("fse_criteria", "deld"), ("plie_participant", "non")],
        questions={"Disponibilité": "Dans le mois"},
    )


def _self_registration(db, candidate, action, *, eligibility, questions) -> None:
    """A registration sent by the candidate from the public form, with what they declared."""
    session = action.sessions[0]
    registration = Registration(
        action_id=action.id,
        candidate_id=candidate.id,
        status=RegistrationStatus.PENDING,
        is_self_registered=True,
    )
    db.add(registration)
    db.flush()
    registration.submitted_at = registration.created_at
    db.add(RegistrationSession(registration_id=registration.id, session_id=session.id))
    db.add(
        StatusChange(
            registration_id=registration.id,
            to_status=RegistrationStatus.PENDING,
            comment="Inscription par le candidat lui-même (candidat libre)",
        )
    )
    db.add(
        SelfRegistration(
            registration_id=registration.id,
            email=f"{search_key(candidate.first_name)}.rousseau@{EMAIL_DOMAIN}",
            phone=candidate.phone,
            consent_notice_version=NOTICE_VERSION,
        )
    )
    for field, value in eligibility:
        db.add(EligibilityAnswer(registration_id=registration.id, field=field, value=value))
    asked = db.exec(select(ActionQuestion).where(ActionQuestion.action_id == action.id))
    for question in asked:
        value = questions.get(question.label, "")
        db.add(
            QuestionAnswer(registration_id=registration.id, question_id=question.id, value=value)
        )
    session.places_taken += 1
    db.add(session)


def _past_sessions(db, today, actions, candidates, people) -> None:
    """A recruitment session held three days ago, with two employers, ready to be reviewed;
    and a workshop held a hundred days ago whose review is locked, one follow-up still due."""
    S = RegistrationStatus
    held = today - timedelta(days=3)
    recruitment = _session(
        actions["recrutement"],
        "Session de recrutement passée",
        SessionKind.RECRUITMENT,
        held,
        (8, 12),
        capacity=20,
        place="Salle des fêtes",
        address="Place des Cinq Fontaines, 38130 Échirolles",
    )
    db.add(recruitment)
    for name in ("Logistique Alpes Express", "Propreté Dauphiné Services"):
        employer = Employer(session=recruitment, name=name, job_offers="Postes en CDI et intérim")
        db.add(employer)
        for hour in (9, 10):
            db.add(Slot(employer=employer, starts_at=paris_instant(held, hour), capacity=5))
    db.flush()
    for index, prescriber in (
        (30, "mission-locale"),
        (31, "mission-locale"),
        (32, "france-travail"),
    ):
        _register(
            db,
            candidate=candidates[index],
            action=actions["recrutement"],
            session=recruitment,
            prescriber=people[prescriber],
            status=S.VALIDATED,
            by_organiser=people["pilote"],
        )
    db.flush()
    followed = db.exec(
        select(Registration.id).where(Registration.candidate_id == candidates[32].id)
    ).one()
    db.add(CoPrescriber(registration_id=followed, professional_id=people["referent-plie"].id))

    long_ago = today - timedelta(days=100)
    workshop = _session(
        actions["numerique"],
        "Atelier d'automne",
        SessionKind.WORKSHOP,
        long_ago,
        (9, 12),
        capacity=12,
        place="Maison de l'emploi",
        address="2 avenue Benoît Frachon, 38400 Saint-Martin-d'Hères",
    )
    db.add(workshop)
    db.flush()
    for index, attendance in ((47, Attendance.PRESENT), (48, Attendance.ABSENT)):
        _register(
            db,
            candidate=candidates[index],
            action=actions["numerique"],
            session=workshop,
            prescriber=people["france-travail"],
            status=S.VALIDATED,
            by_organiser=people["pilote"],
        )
        db.flush()
        registration_id = db.exec(
            select(Registration.id).where(Registration.candidate_id == candidates[index].id)
        ).one()
        present = attendance is Attendance.PRESENT
        db.add(
            ReviewEntry(
                registration_id=registration_id,
                session_id=workshop.id,
                attendance=attendance,
                outcome="training" if present else None,
                updated_by_id=people["pilote"].id,
            )
        )
        if present:
            db.add(
                FollowUp(
                    registration_id=registration_id,
                    session_id=workshop.id,
                    months=1,
                    situation="training",
                    recorded_by_id=people["pilote"].id,
                )
            )
    db.add(
        SessionReview(
            session_id=workshop.id,
            locked_at=paris_instant(long_ago + timedelta(days=2), 10),
            locked_by_id=people["pilote"].id,
            times_locked=1,
        )
    )
