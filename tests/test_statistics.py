"""The statistics' figures, computed from a small data set whose every number is counted by hand."""

from datetime import date

import pytest

from plie import breakdowns
from plie.dates import paris_instant, today_in_paris
from plie.enums import (
    ActionType,
    Attendance,
    EligibilityScheme,
    Gender,
    PeriodBasis,
    RegistrationStatus,
)
from plie.errors import InvalidInput
from plie.figures import compute_figures
from plie.models import EligibilityAnswer, Employer, ReviewEntry, ReviewOutcome, SessionReview
from plie.reference import (
    FORMER_LEVELS,
    QUALIFICATION_LEVELS,
    isced_group,
    level_code,
)
from plie.self_registration import SelfRegistrationInput, register_self
from plie.statistics import (
    NOT_GIVEN,
    UNAVAILABLE,
    YOUNG_OR_SENIOR,
    Section,
    age_band,
    age_on,
    check_filters,
    is_under_26,
    is_young_or_senior,
)
from plie.statistics_dashboard import weekly_rows
from tests.builders import an_action
from tests.stat_builders import (
    YEAR_2025,
    HandData,
    a_person,
    a_registration,
    an_action_on,
    build_hand_data,
)

S = RegistrationStatus


@pytest.fixture
def hand_data(db) -> HandData:
    return build_hand_data(db)


def figures(db, **chosen):
    return compute_figures(db, check_filters(**{**YEAR_2025, **chosen}))


def counts(tally, section) -> dict[str, tuple]:
    return {m: (r, c) for s, m, r, c in tally.synthesis_rows() if s == section}


# Ages at entry


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(2007, 3, 1), date(2025, 2, 28), 17),
        (date(2007, 3, 1), date(2025, 3, 1), 18),  # birthday on the entry date
        (date(2000, 2, 29), date(2025, 2, 28), 24),  # 29 February, year without one
        (date(2000, 2, 29), date(2025, 3, 1), 25),
        (date(2000, 2, 29), date(2024, 2, 29), 24),  # leap year: on the day itself
        (date(2000, 2, 29), date(2024, 2, 28), 23),
    ],
)
def test_age_goes_up_on_the_birthday_and_on_1_march_for_29_february(born, day, age):
    assert age_on(born, day) == age


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (17, "Moins de 18 ans"),
        (18, "18-25 ans"),
        (25, "18-25 ans"),
        (26, "26-29 ans"),
        (29, "26-29 ans"),
        (30, "30-54 ans"),
        (54, "30-54 ans"),
        (55, "55 ans et plus"),
        (None, "Non calculable"),
    ],
)
def test_age_bands_at_their_edges(age, band):
    assert age_band(age) == band


@pytest.mark.parametrize(
    ("age", "under_26", "young_or_senior"),
    [
        (17, True, False),
        (18, True, True),
        (25, True, True),
        (26, False, True),
        (30, False, True),
        (31, False, False),
        (54, False, False),
        (55, False, True),
    ],
)
def test_under_26_and_18_30_or_over_55_are_rules_of_their_own(age, under_26, young_or_senior):
    assert is_under_26(age) is under_26
    assert is_young_or_senior(age) is young_or_senior


# The qualification levels


def test_qualification_levels_cover_both_nomenclatures_and_isced_groups():
    assert [level.code for level in QUALIFICATION_LEVELS] == list("12345678")
    assert [level.former_label for level in QUALIFICATION_LEVELS] == [
        "VI", "V bis", "V", "IV", "III", "II", "I", "I"
    ]  # fmt: skip
    assert [isced_group(code) for code in "12345678"] == [
        "0-2", "0-2", "3-4", "3-4", "5-8", "5-8", "5-8", "5-8"
    ]  # fmt: skip
    assert isced_group(None) is None
    assert {former.code: level_code(former.code) for former in FORMER_LEVELS} == {
        "VI": "1", "V bis": "2", "V": "3", "IV": "4", "III": "5", "II": "6", "I": "7"
    }  # fmt: skip
    assert level_code("niveau IV") == "4"
    assert level_code("5") == "5"
    assert level_code("X") is None


# The figures of "Synthèse", counted by hand


def test_totals_leave_out_drafts_and_sessions_outside_the_period(db, hand_data):
    tally = figures(db)

    assert tally.total_registrations == 7
    assert tally.total_candidates == 6


def test_counts_by_state(db, hand_data):
    by_state = counts(figures(db), Section.STATUS)

    assert by_state["Validé"] == (4, 4)
    assert by_state["Refusé par la commission"] == (1, 1)
    assert by_state["En attente - à traiter"] == (1, 1)
    assert by_state["Différé"] == (1, 1)
    assert by_state["Brouillon"] == (0, 0)


def test_counts_by_gender_age_qpv_and_qualification(db, hand_data):
    tally = figures(db)

    assert counts(tally, Section.GENDER) == {"Femme": (3, 3), "Homme": (3, 2), NOT_GIVEN: (1, 1)}
    assert counts(tally, Section.AGE) == {
        "Moins de 18 ans": (1, 1),
        "18-25 ans": (3, 2),
        "26-29 ans": (1, 1),
        "30-54 ans": (1, 1),
        "55 ans et plus": (1, 1),
        "Non calculable": (0, 0),
    }
    assert counts(tally, Section.UNDER_26)["Oui"] == (4, 3)
    assert counts(tally, Section.UNDER_26)["Non"] == (3, 3)
    assert counts(tally, YOUNG_OR_SENIOR)["Oui"] == (5, 4)
    assert counts(tally, YOUNG_OR_SENIOR)["Non"] == (2, 2)
    assert counts(tally, Section.QPV) == {"Oui": (2, 2), "Non": (4, 3), NOT_GIVEN: (1, 1)}
    isced = counts(tally, Section.ISCED)
    assert [value for value in isced.values()] == [(2, 2), (2, 1), (2, 2), (1, 1)]
    levels = counts(tally, Section.QUALIFICATION)
    assert [value[0] for value in levels.values()] == [1, 1, 0, 2, 0, 1, 1, 0, 1]
    assert counts(tally, Section.ACTION_TYPE)["Atelier"] == (4, 4)
    assert counts(tally, Section.SCHEME)["FSE"] == (3, 3)


def test_esf_indicators_count_each_participant_once_by_gender(db, hand_data):
    rows = {indicator.code: values for indicator, *values in figures(db).indicator_rows()}

    assert rows["EECO01"] == [3, 2, 1, 6]  # women, men, gender not given, total
    assert rows["EECO06"] == [1, 0, 0, 1]  # Emma, 17
    assert rows["EECO07"] == [1, 1, 1, 3]  # Alice 18, Bruno 25, David 29
    assert rows["EECO08"] == [1, 0, 0, 1]  # Chloé 55
    assert rows["EECO09"] == [2, 0, 0, 2]
    assert rows["EECO10"] == [0, 1, 0, 1]
    assert rows["EECO11"] == [1, 1, 0, 2]
    assert rows["EECO02"] == [None, None, None, None]  # the data cannot give it
    assert rows["EECO17"] == [None, None, None, None]


def test_data_quality_counts_each_missing_field_once_per_candidate(db, hand_data):
    assert dict(figures(db).quality) == {"Genre": 1, "Niveau de qualification": 1, "QPV": 1}


def test_breakdowns_not_recorded_are_said_unavailable_not_zero(db, hand_data, monkeypatch):
    monkeypatch.setattr(breakdowns, "attendance_rows", lambda db, ids: None)
    tally = figures(db)

    assert tally.available["attendance"] is False
    assert counts(tally, Section.ATTENDANCE) == {"Non disponible (voir « Méthode »)": (None, None)}
    assert set(UNAVAILABLE) == {"eligibility", "attendance", "outcome"}


def test_eligibility_answers_are_counted_and_sensitive_ones_never_listed_per_person(db):
    action, (session,) = an_action_on(
        db, "Formation FSE", date(2025, 4, 2), scheme=EligibilityScheme.FSE
    )
    first = a_registration(db, a_person(db, "Arnaud", born=date(1990, 1, 1)), action, [session])
    second = a_registration(db, a_person(db, "Berthe", born=date(1991, 1, 1)), action, [session])
    for registration, field, value in (
        (first, "fse_criteria", "rsa"),
        (first, "fse_criteria", "deld"),
        (first, "plie_participant", "oui"),
        (second, "fse_criteria", "deld"),
        (second, "plie_participant", "non"),
    ):
        db.add(EligibilityAnswer(registration_id=registration.id, field=field, value=value))
    db.commit()

    tally = figures(db)
    assert counts(tally, Section.ELIGIBILITY) == {
        "FSE – Bénéficiaire du RSA": (1, 1),
        "FSE – Demandeur d'emploi longue durée": (2, 2),
        "FSE – Participant du PLIE : Oui": (1, 1),
        "FSE – Participant du PLIE : Non": (1, 1),
    }
    rows = breakdowns.eligibility_rows(db, [first.id])
    assert [(row.criterion, row.sensitive) for row in rows] == [
        ("Bénéficiaire du RSA", True),
        ("Demandeur d'emploi longue durée", False),
        ("Participant du PLIE : Oui", False),
    ]


def test_a_candidat_libres_answers_are_counted_like_a_prescribers(db):
    action = an_action(db, scheme=EligibilityScheme.FSE, allows_self_registration=True)
    form = SelfRegistrationInput(
        last_name="Libre",
        first_name="Inès",
        birth_date="03/02/1994",
        phone="06 39 98 44 01",
        email="ines.libre@exemple.fr",
        session_ids=[action.sessions[0].id],
        accepts_notice=True,
        eligibility={"fse_criteria": ["rsa", "woman"], "plie_participant": False},
    )
    register_self(db, action_id=action.id, data=form, client="203.0.113.7")

    today = today_in_paris()
    tally = compute_figures(
        db, check_filters(start=today, end=today, basis=PeriodBasis.REGISTRATION)
    )

    assert tally.total_candidates == 1
    assert counts(tally, Section.ELIGIBILITY) == {
        "FSE – Bénéficiaire du RSA": (1, 1),
        "FSE – Femme en recherche d'emploi": (1, 1),
        "FSE – Participant du PLIE : Non": (1, 1),
    }


def test_attendance_and_outcomes_come_from_locked_reviews_only(db):
    action, (locked, open_) = an_action_on(
        db, "Job dating", date(2025, 4, 2), date(2025, 5, 7), action_type=ActionType.RECRUITMENT
    )
    employer = Employer(session_id=locked.id, name="Alpes Logistique")
    db.add(employer)
    came = a_registration(db, a_person(db, "Arnaud", born=date(1990, 1, 1)), action, [locked])
    away = a_registration(db, a_person(db, "Berthe", born=date(1991, 1, 1)), action, [locked])
    later = a_registration(db, a_person(db, "Cyril", born=date(1992, 1, 1)), action, [open_])
    db.add(SessionReview(session_id=locked.id, locked_at=paris_instant(date(2025, 4, 3), 9)))
    db.add(SessionReview(session_id=open_.id))
    db.flush()
    db.add_all(
        [
            ReviewEntry(
                registration_id=came.id, session_id=locked.id, attendance=Attendance.PRESENT
            ),
            ReviewEntry(
                registration_id=away.id, session_id=locked.id, attendance=Attendance.ABSENT
            ),
            ReviewEntry(
                registration_id=later.id, session_id=open_.id, attendance=Attendance.PRESENT
            ),
            ReviewOutcome(
                registration_id=came.id,
                session_id=locked.id,
                employer_id=employer.id,
                outcome="permanent",
            ),
        ]
    )
    db.commit()

    tally = figures(db)

    assert tally.available["attendance"] and tally.available["outcome"]
    assert counts(tally, Section.ATTENDANCE) == {"Présent": (1, 1), "Absent": (1, 1)}
    assert counts(tally, Section.OUTCOME) == {"CDI": (1, 1)}


def test_eligibility_answers_plug_in_through_one_function(db, hand_data, monkeypatch):
    def answers(db, registration_ids):
        return [
            breakdowns.EligibilityRow(registration_id, "FSE", "Bénéficiaire du RSA")
            for registration_id in registration_ids
        ]

    monkeypatch.setattr(breakdowns, "eligibility_rows", answers)

    tally = figures(db)

    assert tally.available["eligibility"] is True
    assert counts(tally, Section.ELIGIBILITY) == {"FSE – Bénéficiaire du RSA": (7, 6)}


# Filters


def test_period_by_registration_date_takes_paris_days(db, hand_data):
    late = a_person(db, "Isabelle", born=date(1990, 1, 1))
    early = a_person(db, "Jules", born=date(1990, 1, 1), gender=Gender.MALE)
    a_registration(
        db, late, hand_data.former, [], sent_at=paris_instant(date(2024, 12, 31), 23, 30)
    )
    a_registration(db, early, hand_data.former, [], sent_at=paris_instant(date(2025, 1, 1), 0, 30))

    tally = figures(db, basis=PeriodBasis.REGISTRATION)

    # The seven of the session basis, Hugo (sent in February 2025, session in 2024) and Jules.
    assert tally.total_registrations == 9
    assert tally.quality["Date d'entrée"] == 1  # Jules's registration has no session


def test_filters_by_action_type_scheme_structure_and_state(db, hand_data):
    assert figures(db, action_ids=[hand_data.training.id]).total_registrations == 3
    assert figures(db, action_types=[ActionType.WORKSHOP]).total_registrations == 4
    assert figures(db, schemes=[EligibilityScheme.FSE]).total_candidates == 3
    assert figures(db, structure_ids=[hand_data.south.structure_id]).total_registrations == 3
    assert figures(db, statuses=[S.VALIDATED]).total_registrations == 4
    assert figures(db, statuses=[S.DRAFT]).total_registrations == 1


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidInput) as refused:
        check_filters(start=date(2025, 12, 31), end=date(2025, 1, 1))
    assert refused.value.errors == {
        "period": "La date de début de la période doit précéder sa date de fin."
    }
    with pytest.raises(InvalidInput) as missing:
        check_filters(start=None, end=date(2025, 1, 1))
    assert missing.value.message == "Choisissez la date de début et la date de fin de la période."


# The dashboard's weeks


def test_weeks_without_registrations_show_as_zero_between_the_first_and_the_last():
    rows = weekly_rows({date(2026, 3, 30): 2, date(2026, 3, 16): 1})

    assert rows == [
        {"Semaine": "S12 – 16 mars", "Inscriptions": 1},
        {"Semaine": "S13 – 23 mars", "Inscriptions": 0},
        {"Semaine": "S14 – 30 mars", "Inscriptions": 2},
    ]


def test_weeks_name_their_year_when_the_chart_spans_two():
    rows = weekly_rows({date(2025, 12, 22): 1, date(2026, 1, 5): 3})

    assert [row["Semaine"] for row in rows] == [
        "S52 – 22 déc. 2025",
        "S1 – 29 déc. 2025",
        "S2 – 5 janv. 2026",
    ]
