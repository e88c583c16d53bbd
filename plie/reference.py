"""Reference lists that a PLIE may change: one place each, read by the forms and the exports."""

from dataclasses import dataclass


@dataclass(frozen=True)
class QualificationLevel:
    code: str
    label: str  # the 2019 nomenclature (levels 1 to 8)
    former_label: str  # the 1969 nomenclature (VI to I) that older files still use
    isced_group: str  # the ISCED 2011 group that ESF+ indicators count


QUALIFICATION_LEVELS = (
    QualificationLevel("1", "Niveau 1 – maîtrise des savoirs de base", "VI", "0-2"),
    QualificationLevel("2", "Niveau 2 – sans diplôme, CFG, brevet", "V bis", "0-2"),
    QualificationLevel("3", "Niveau 3 – CAP, BEP", "V", "3-4"),
    QualificationLevel("4", "Niveau 4 – Baccalauréat", "IV", "3-4"),
    QualificationLevel("5", "Niveau 5 – Bac+2 (BTS, DUT)", "III", "5-8"),
    QualificationLevel("6", "Niveau 6 – Bac+3, Bac+4 (licence)", "II", "5-8"),
    QualificationLevel("7", "Niveau 7 – Bac+5 (master)", "I", "5-8"),
    QualificationLevel("8", "Niveau 8 – doctorat", "I", "5-8"),
)

QUALIFICATION_BY_CODE = {level.code: level for level in QUALIFICATION_LEVELS}


def qualification_label(code: str | None) -> str:
    level = QUALIFICATION_BY_CODE.get(code or "")
    return f"{level.label} (ancien niveau {level.former_label})" if level else ""


@dataclass(frozen=True)
class ReviewChoice:
    code: str  # stored: keep it when the label is reworded
    label: str


# "Suite donnée": what came of a candidate's meeting with an employer (or of the session).
OUTCOMES = (
    ReviewChoice("first_interview", "1er entretien"),
    ReviewChoice("second_interview", "2ème entretien"),
    ReviewChoice("temp_mission", "Mission d'intérim"),
    ReviewChoice("fixed_term", "CDD"),
    ReviewChoice("permanent", "CDI"),
    ReviewChoice("work_study", "Alternance"),
    ReviewChoice("training", "Formation"),
    ReviewChoice("none", "Aucune suite"),
)


@dataclass(frozen=True)
class FollowUpSituation:
    code: str
    label: str
    esf_result: str  # the ESF+ result indicator it counts in: employment, training, search, unknown


# The candidate's situation at the 1, 3 and 6 month follow-ups of a session.
FOLLOW_UP_SITUATIONS = (
    FollowUpSituation("permanent", "En emploi – CDI", "employment"),
    FollowUpSituation("fixed_term_long", "En emploi – CDD de 6 mois ou plus", "employment"),
    FollowUpSituation("fixed_term_short", "En emploi – CDD de moins de 6 mois", "employment"),
    FollowUpSituation("temp_work", "En mission d'intérim", "employment"),
    FollowUpSituation("insertion_job", "En contrat aidé ou en SIAE", "employment"),
    FollowUpSituation("self_employed", "Création d'entreprise", "employment"),
    FollowUpSituation("work_study", "En alternance", "training"),
    FollowUpSituation("training", "En formation", "training"),
    FollowUpSituation("job_search", "En recherche d'emploi", "search"),
    FollowUpSituation("no_news", "Sans nouvelles", "unknown"),
)

OUTCOME_BY_CODE = {choice.code: choice for choice in OUTCOMES}
SITUATION_BY_CODE = {situation.code: situation for situation in FOLLOW_UP_SITUATIONS}
# The follow-ups of a session, in months after its end; the 6-month one feeds ESF+ reporting.
FOLLOW_UP_MONTHS = (1, 3, 6)
