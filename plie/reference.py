"""Reference lists that a PLIE may change: one place each, read by the forms and the exports.

The qualification levels follow the national nomenclature of 2019 (décret n° 2019-14, levels 1
to 8); files written before 2019, Viesion imports among them, still use the 1969 nomenclature
(levels VI to I). The ESF+ indicators count participants by ISCED 2011 group (0-2, 3-4, 5-8),
so each level carries its ISCED level and group.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class QualificationLevel:
    code: str
    label: str  # the 2019 nomenclature (levels 1 to 8)
    former_label: str  # the 1969 nomenclature (VI to I) that older files still use
    isced_group: str  # the ISCED 2011 group that ESF+ indicators count
    isced_level: str  # the ISCED 2011 level (or levels) that the diplomas of this level reach


QUALIFICATION_LEVELS = (
    QualificationLevel("1", "Niveau 1 – maîtrise des savoirs de base", "VI", "0-2", "0-1"),
    QualificationLevel("2", "Niveau 2 – sans diplôme, CFG, brevet", "V bis", "0-2", "2"),
    QualificationLevel("3", "Niveau 3 – CAP, BEP", "V", "3-4", "3"),
    QualificationLevel("4", "Niveau 4 – Baccalauréat", "IV", "3-4", "3-4"),
    QualificationLevel("5", "Niveau 5 – Bac+2 (BTS, DUT)", "III", "5-8", "5"),
    QualificationLevel("6", "Niveau 6 – Bac+3, Bac+4 (licence)", "II", "5-8", "6"),
    QualificationLevel("7", "Niveau 7 – Bac+5 (master)", "I", "5-8", "7"),
    QualificationLevel("8", "Niveau 8 – doctorat", "I", "5-8", "8"),
)

QUALIFICATION_BY_CODE = {level.code: level for level in QUALIFICATION_LEVELS}


@dataclass(frozen=True)
class FormerLevel:
    """A level of the 1969 nomenclature and the 2019 level it became."""

    code: str
    label: str
    level_code: str


# Level I covered both master and doctorate: it maps to the lower of the two, 7, so that an
# imported level never claims a diploma the person may not have.
FORMER_LEVELS = (
    FormerLevel("VI", "Niveau VI – sortie avant la 3e, sans diplôme", "1"),
    FormerLevel("V bis", "Niveau V bis – sortie de 3e ou de second cycle court non achevé", "2"),
    FormerLevel("V", "Niveau V – CAP, BEP", "3"),
    FormerLevel("IV", "Niveau IV – Baccalauréat, brevet professionnel", "4"),
    FormerLevel("III", "Niveau III – Bac+2", "5"),
    FormerLevel("II", "Niveau II – Bac+3, Bac+4", "6"),
    FormerLevel("I", "Niveau I – Bac+5 et plus", "7"),
)

FORMER_LEVEL_BY_CODE = {level.code: level for level in FORMER_LEVELS}

ISCED_GROUPS = {
    "0-2": "CITE 0-2 : au plus le premier cycle du secondaire",
    "3-4": "CITE 3-4 : second cycle du secondaire ou post-secondaire non supérieur",
    "5-8": "CITE 5-8 : enseignement supérieur",
}


def qualification_label(code: str | None) -> str:
    level = QUALIFICATION_BY_CODE.get(code or "")
    return f"{level.label} (ancien niveau {level.former_label})" if level else ""


def isced_group(code: str | None) -> str | None:
    """The ISCED group ('0-2', '3-4', '5-8') of a 2019 level code, None when unknown."""
    level = QUALIFICATION_BY_CODE.get(code or "")
    return level.isced_group if level else None


def level_code(value: str | None) -> str | None:
    """The 2019 level code of a level written in either nomenclature ('3', 'V', 'niveau IV')."""
    text = " ".join((value or "").replace("niveau", " ").replace("Niveau", " ").split())
    if text in QUALIFICATION_BY_CODE:
        return text
    former = FORMER_LEVEL_BY_CODE.get(text.upper().replace("BIS", "bis"))
    return former.level_code if former else None


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
