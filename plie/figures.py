"""The figures of the statistics: "Synthèse" counts, ESF+ indicators and data-quality findings.

A Tally takes the registrations one candidate at a time (see plie.statistics.candidate_groups)
and keeps only counters, so that its memory stays the same whatever the number of rows.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session as DbSession

from plie.dates import PARIS
from plie.enums import Gender, RegistrationStatus
from plie.reference import QUALIFICATION_BY_CODE
from plie.statistics import (
    BREAKDOWN_SECTIONS,
    FIXED_MODALITIES,
    SECTIONS,
    EntryRow,
    Section,
    StatisticsFilters,
    available_breakdowns,
    candidate_groups,
    modalities,
)

# ESF+ participants are people: each candidate counts once, with the registration whose first
# session comes first in the selection as their entry into the operation.
WOMEN, MEN, UNKNOWN_GENDER = "women", "men", "unknown"
GENDER_KEYS = {Gender.FEMALE: WOMEN, Gender.MALE: MEN, None: UNKNOWN_GENDER}


def _isced(group: str) -> Callable[[EntryRow], bool]:
    def test(row: EntryRow) -> bool:
        level = QUALIFICATION_BY_CODE.get(row.qualification_level or "")
        return level is not None and level.isced_group == group

    return test


@dataclass(frozen=True)
class Indicator:
    """A common output indicator for participants of Annex I of Regulation (EU) 2021/1057."""

    code: str
    label: str
    rule: str
    counts: Callable[[EntryRow], bool] | None = None  # None: the data cannot give it


NOT_RECORDED = "Non calculable : "
ESF_INDICATORS = (
    Indicator(
        "EECO01",
        "Nombre total de participants",
        "Chaque candidat distinct des inscriptions retenues compte une fois.",
        lambda row: True,
    ),
    Indicator(
        "EECO02",
        "Chômeurs, y compris de longue durée",
        NOT_RECORDED + "la situation sur le marché du travail à l'entrée n'est pas "
        "enregistrée pour tous les candidats (seuls certains questionnaires d'éligibilité "
        "la demandent).",
    ),
    Indicator(
        "EECO03",
        "Chômeurs de longue durée",
        NOT_RECORDED + "le critère « Demandeur d'emploi de longue durée » n'existe que dans "
        "certains questionnaires d'éligibilité : il n'est pas connu pour les candidats des "
        "autres actions (voir « Critère d'éligibilité » dans la synthèse).",
    ),
    Indicator(
        "EECO04",
        "Personnes inactives",
        NOT_RECORDED + "la situation d'activité à l'entrée n'est pas recueillie.",
    ),
    Indicator(
        "EECO05",
        "Personnes exerçant un emploi, y compris les indépendants",
        NOT_RECORDED + "la situation d'emploi à l'entrée n'est pas recueillie.",
    ),
    Indicator(
        "EECO06",
        "Enfants de moins de 18 ans",
        "Âge à l'entrée inférieur à 18 ans révolus.",
        lambda row: row.age is not None and row.age < 18,
    ),
    Indicator(
        "EECO07",
        "Jeunes de 18 à 29 ans",
        "Âge à l'entrée de 18 à 29 ans révolus (jusqu'à la veille des 30 ans).",
        lambda row: row.age is not None and 18 <= row.age <= 29,
    ),
    Indicator(
        "EECO08",
        "Participants de 55 ans et plus",
        "Âge à l'entrée de 55 ans révolus ou plus.",
        lambda row: row.age is not None and row.age >= 55,
    ),
    Indicator(
        "EECO09",
        "Titulaires au plus d'un diplôme du premier cycle du secondaire (CITE 0 à 2)",
        "Niveau de qualification 1 ou 2 (anciens VI et V bis).",
        _isced("0-2"),
    ),
    Indicator(
        "EECO10",
        "Titulaires d'un diplôme du second cycle du secondaire (CITE 3) ou post-secondaire "
        "non supérieur (CITE 4)",
        "Niveau de qualification 3 ou 4 (anciens V et IV).",
        _isced("3-4"),
    ),
    Indicator(
        "EECO11",
        "Titulaires d'un diplôme de l'enseignement supérieur (CITE 5 à 8)",
        "Niveau de qualification 5 à 8 (anciens III, II et I).",
        _isced("5-8"),
    ),
    Indicator(
        "EECO12",
        "Participants handicapés",
        NOT_RECORDED + "la RQTH n'est demandée que par certains questionnaires d'éligibilité "
        "(ses effectifs figurent dans « Critère d'éligibilité » de la synthèse) et ne couvre "
        "pas tout handicap.",
    ),
    Indicator(
        "EECO13",
        "Ressortissants de pays tiers",
        NOT_RECORDED + "la nationalité n'est pas recueillie.",
    ),
    Indicator(
        "EECO14",
        "Participants d'origine étrangère",
        NOT_RECORDED + "l'origine n'est pas recueillie.",
    ),
    Indicator(
        "EECO15",
        "Minorités (y compris les communautés marginalisées telles que les Roms)",
        NOT_RECORDED + "l'appartenance à une minorité n'est pas recueillie.",
    ),
    Indicator(
        "EECO16",
        "Personnes sans domicile fixe ou confrontées à l'exclusion de logement",
        NOT_RECORDED + "la situation de logement n'est pas recueillie.",
    ),
    Indicator(
        "EECO17",
        "Participants issus de zones rurales",
        NOT_RECORDED + "l'adresse est un texte libre, sans commune codée ni classement selon la "
        "grille de densité.",
    ),
)
NON_BINARY_NOTE = (
    "Le règlement ventile les participants en femmes, hommes et personnes non binaires ; le "
    "formulaire du guide ne propose que Femme ou Homme : la colonne « non binaire » ne peut pas "
    "être remplie, et les genres non renseignés sont comptés à part."
)


@dataclass(frozen=True)
class QualityIssue:
    """A candidate's record that misses something an indicator needs."""

    row: EntryRow
    field: str
    detail: str


def quality_issues(group: list[EntryRow]) -> list[QualityIssue]:
    """What a candidate's record lacks for the indicators, once per candidate and field."""
    first = group[0]
    issues = []
    if first.gender is None:
        issues.append(
            QualityIssue(
                first, "Genre", "Genre non renseigné : les indicateurs sont ventilés par genre."
            )
        )
    if (first.qualification_level or "") not in QUALIFICATION_BY_CODE:
        issues.append(
            QualityIssue(
                first,
                "Niveau de qualification",
                "Niveau non renseigné ou inconnu : le groupe CITE ne peut pas être déterminé.",
            )
        )
    if first.is_qpv is None:
        issues.append(QualityIssue(first, "QPV", "Résidence en QPV non renseignée."))
    for row in group:
        if row.entry_day is None:
            issues.append(
                QualityIssue(
                    row,
                    "Date d'entrée",
                    "Inscription sans session : l'âge à l'entrée ne peut pas être calculé.",
                )
            )
        elif not 15 <= row.age <= 100:
            issues.append(
                QualityIssue(
                    row,
                    "Date de naissance",
                    f"Âge à l'entrée de {row.age} ans : vérifiez la date de naissance.",
                )
            )
    return issues


def entry_row(group: list[EntryRow]) -> EntryRow:
    """The registration that counts as the candidate's entry: the one whose session is first."""
    dated = [row for row in group if row.entry_day is not None]
    return min(dated, key=lambda row: row.entry_day) if dated else group[0]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Tally:
    """Counters over the selection, filled one candidate at a time."""

    registrations: Counter = field(default_factory=Counter)
    candidates: Counter = field(default_factory=Counter)
    indicators: Counter = field(default_factory=Counter)
    by_week: Counter = field(default_factory=Counter)
    quality: Counter = field(default_factory=Counter)
    available: dict = field(default_factory=dict)
    total_registrations: int = 0
    total_candidates: int = 0

    def add(self, group: list[EntryRow]) -> list[QualityIssue]:
        """Count one candidate's registrations; return what their record lacks."""
        seen: set[tuple[str, str]] = set()
        for row in group:
            pairs = modalities(row)
            self.registrations.update(pairs)
            seen |= pairs
            self.by_week[week_of(row.registered_at.astimezone(PARIS).date())] += 1
        self.candidates.update(seen)
        self.total_registrations += len(group)
        self.total_candidates += 1

        entry = entry_row(group)
        gender = GENDER_KEYS[entry.gender]
        for indicator in ESF_INDICATORS:
            if indicator.counts is not None and indicator.counts(entry):
                self.indicators[(indicator.code, gender)] += 1

        issues = quality_issues(group)
        self.quality.update({issue.field for issue in issues})
        return issues

    def synthesis_rows(self) -> list[tuple[str, str, int | None, int | None]]:
        """(section, modality, registrations, distinct candidates) in the sheet's order.

        A breakdown that this version does not record gets one line with no figures.
        """
        rows = []
        for section in SECTIONS:
            source = BREAKDOWN_SECTIONS.get(section)
            if source is not None and not self.available.get(source, False):
                rows.append((section, "Non disponible (voir « Méthode »)", None, None))
                continue
            found = sorted(modality for s, modality in self.registrations if s == section)
            listed = FIXED_MODALITIES.get(section, [])
            for modality in listed + [m for m in found if m not in listed]:
                key = (section, modality)
                rows.append((section, modality, self.registrations[key], self.candidates[key]))
        return rows

    def indicator_rows(self) -> list[tuple[Indicator, int | None, int | None, int | None, int]]:
        """(indicator, women, men, gender not given, total); None where it cannot be given."""
        rows = []
        for indicator in ESF_INDICATORS:
            if indicator.counts is None:
                rows.append((indicator, None, None, None, None))
                continue
            women, men, unknown = (
                self.indicators[(indicator.code, key)] for key in (WOMEN, MEN, UNKNOWN_GENDER)
            )
            rows.append((indicator, women, men, unknown, women + men + unknown))
        return rows

    def status_count(self, status: RegistrationStatus) -> int:
        return self.registrations[(Section.STATUS, status.label)]


def compute_figures(db: DbSession, filters: StatisticsFilters) -> Tally:
    """Every figure of the selection, without writing any file (the dashboard's figures)."""
    tally = Tally(available=available_breakdowns(db))
    for group in candidate_groups(db, filters):
        tally.add(group)
    return tally
