"""The coordinators' European Social Fund workbook: five sheets written in one pass.

"Participants" and "Qualité des données" are written while the registrations stream by; the
figures of "Synthèse", "Indicateurs FSE+" and "Méthode" are known at the end of that pass and
written then (each sheet has its own temporary file, so the order of writing does not matter).
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import audit
from plie.accounts import get_professional
from plie.dates import format_datetime, now
from plie.enums import GENDER_LABELS, AuditEvent
from plie.figures import NON_BINARY_NOTE, Tally
from plie.models import Professional, StatisticsExport
from plie.permissions import may_see_eligibility_answers, require_coordinator
from plie.reference import QUALIFICATION_BY_CODE
from plie.statistics import (
    AGE_UNKNOWN,
    NOT_GIVEN,
    UNAVAILABLE,
    YOUNG_OR_SENIOR,
    EntryRow,
    StatisticsFilters,
    age_band,
    available_breakdowns,
    candidate_groups,
    count_selection,
    describe_filters,
    is_under_26,
    is_young_or_senior,
    yes_no,
)
from plie.text import counted
from plie.workbook import Column, Sheet, Workbook

log = logging.getLogger(__name__)

SHEETS = ("Synthèse", "Indicateurs FSE+", "Participants", "Qualité des données", "Méthode")
NOT_RECORDED = "Non enregistré"
ELIGIBILITY_COLUMN = "Critères d'éligibilité"
PROGRESS_EVERY = 1000

PARTICIPANT_COLUMNS = [
    Column("N° Viesion"),
    Column("N° France Travail"),
    Column("Nom"),
    Column("Prénom"),
    Column("Genre"),
    Column("Date de naissance", 12),
    Column("Âge à l'entrée", 9),
    Column("Tranche d'âge"),
    Column("Moins de 26 ans", 10),
    Column(YOUNG_OR_SENIOR, 14),
    Column("QPV", 8),
    Column("Niveau de qualification"),
    Column("Ancien niveau", 9),
    Column("Groupe CITE", 9),
    Column("Participant PLIE", 11),
    Column("Action"),
    Column("Type d'action"),
    Column("Eligibilité de l'action"),
    Column("Structure du prescripteur"),
    Column("Date d'inscription", 17),
    Column("Date d'entrée", 12),
    Column("Etat"),
    Column("Présence"),
    Column("Suite donnée"),
]
QUALITY_COLUMNS = [
    Column("Nom"),
    Column("Prénom"),
    Column("Date de naissance", 12),
    Column("N° Viesion"),
    Column("Action"),
    Column("Champ à compléter"),
    Column("Constat"),
]

METHOD_RULES = (
    (
        "Inscriptions retenues",
        "Les inscriptions dans les états choisis (par défaut tous sauf « Brouillon ») qui "
        "répondent aux filtres. Selon le filtre de période : « Date de session » retient une "
        "inscription dont au moins une session commence dans la période ; « Date d'inscription » "
        "retient une inscription envoyée dans la période (date de création pour un brouillon). "
        "Les jours sont ceux de Paris, bornes incluses.",
    ),
    (
        "Présence et suite donnée",
        "Lues dans les bilans de session verrouillés par les organisateurs (un bilan non "
        "verrouillé peut encore changer). « Suite donnée » : une par employeur rencontré dans "
        "une session de recrutement, sinon celle de la session (« Session »).",
    ),
    (
        "Date d'entrée",
        "Le jour (heure de Paris) où commence la première session de l'inscription.",
    ),
    (
        "Âge à l'entrée",
        "L'âge en années révolues à la date d'entrée : il augmente le jour même de "
        "l'anniversaire ; une personne née un 29 février prend un an le 1er mars les années "
        "non bissextiles.",
    ),
    (
        "Tranches d'âge",
        "Moins de 18 ans ; 18 à 25 ans ; 26 à 29 ans ; 30 à 54 ans ; 55 ans et plus.",
    ),
    (
        "Moins de 26 ans",
        "Calculé à part : âge à l'entrée inférieur à 26 ans (jusqu'à la veille des 26 ans).",
    ),
    (
        YOUNG_OR_SENIOR,
        "Calculé à part, selon le critère du questionnaire FSE : âge à l'entrée de 18 à 30 ans "
        "révolus (jusqu'à la veille des 31 ans), ou de 55 ans révolus et plus.",
    ),
    (
        "Inscriptions et candidats distincts",
        "« Inscriptions » compte chaque inscription (un candidat et une action). « Candidats "
        "distincts » compte une fois chaque candidat ayant au moins une inscription dans la "
        "ligne : un candidat inscrit deux fois dans des états différents compte dans les deux "
        "lignes, si bien que les lignes d'une rubrique peuvent dépasser le total.",
    ),
    (
        "Participants FSE+",
        "Chaque candidat distinct compte une fois, avec l'inscription dont la session commence "
        "le plus tôt comme entrée dans l'opération (âge calculé à cette date).",
    ),
    (
        "Genre, QPV, niveau de qualification",
        "Tels qu'enregistrés sur la fiche du candidat au moment de l'export (le module ne "
        "garde pas leur valeur à la date d'entrée). Niveau selon la nomenclature de 2019 "
        "(1 à 8), avec l'ancien niveau (VI à I) et le groupe CITE : 1-2 → CITE 0-2, 3-4 → "
        "CITE 3-4, 5-8 → CITE 5-8.",
    ),
    (
        "Participant PLIE",
        "« Oui » quand la personne est marquée participante du PLIE par l'import des "
        "participants du logiciel de suivi, ou quand les réponses d'éligibilité de "
        "l'inscription la déclarent (« Participant du PLIE : Oui » ou critère « PLIE ») ; "
        "« Non » sinon.",
    ),
    ("Genre non binaire", NON_BINARY_NOTE),
)


@dataclass
class ExportSummary:
    export_id: int
    registrations: int
    candidates: int


def _participant_row(row: EntryRow, with_answers: bool, available: dict) -> list:
    level = QUALIFICATION_BY_CODE.get(row.qualification_level or "")
    age = row.age
    values = [
        row.viesion_id,
        row.france_travail_id,
        row.last_name,
        row.first_name,
        GENDER_LABELS.get(row.gender, NOT_GIVEN),
        row.birth_date,
        age,
        age_band(age),
        AGE_UNKNOWN if age is None else yes_no(is_under_26(age)),
        AGE_UNKNOWN if age is None else yes_no(is_young_or_senior(age)),
        yes_no(row.is_qpv),
        level.label if level else NOT_GIVEN,
        level.former_label if level else None,
        level.isced_group if level else None,
        row.is_plie_participant,
        row.action_title,
        row.action_type.label,
        row.scheme.label,
        row.structure or ("Candidat libre" if row.is_self_registered else None),
        row.registered_at,
        row.entry_day,
        row.status.label,
    ]
    if with_answers:
        values.append(
            "; ".join(f"{e.scheme} : {e.criterion}" for e in row.eligibility if not e.sensitive)
            if available["eligibility"]
            else NOT_RECORDED
        )
    values.append(
        ", ".join(a.attendance for a in row.attendance) if available["attendance"] else NOT_RECORDED
    )
    values.append(
        "; ".join(f"{o.employer} : {o.outcome}" for o in row.outcomes)
        if available["outcome"]
        else NOT_RECORDED
    )
    return values


def _synthesis(sheet: Sheet, tally: Tally, period: str) -> None:
    sheet.title("Synthèse des inscriptions")
    sheet.line(period)
    sheet.line("Inscriptions retenues", tally.total_registrations, bold=True)
    sheet.line("Candidats distincts", tally.total_candidates, bold=True)
    sheet.blank()
    sheet.header(
        [
            Column("Rubrique"),
            Column("Modalité"),
            Column("Inscriptions"),
            Column("Candidats distincts"),
        ]
    )
    for row in tally.synthesis_rows():
        sheet.append(row)


def _indicators(sheet: Sheet, tally: Tally) -> None:
    sheet.title("Indicateurs communs de réalisation FSE+ relatifs aux participants")
    sheet.line("Annexe I du règlement (UE) 2021/1057. Participants : candidats distincts.")
    sheet.line(NON_BINARY_NOTE)
    sheet.blank()
    sheet.header(
        [
            Column("Code"),
            Column("Indicateur", 50),
            Column("Femmes"),
            Column("Hommes"),
            Column("Genre non renseigné"),
            Column("Total"),
            Column("Règle appliquée", 90),
        ]
    )
    for indicator, women, men, unknown, total in tally.indicator_rows():
        sheet.append([indicator.code, indicator.label, women, men, unknown, total, indicator.rule])


def _method(
    sheet: Sheet,
    tally: Tally,
    *,
    filters: list[tuple[str, str]],
    exported_by: Professional,
    with_answers: bool,
) -> None:
    sheet.title("Méthode")
    sheet.header([Column("Élément", 36), Column("Valeur ou règle", 110)])
    sheet.append(["Date de l'export", now()])
    sheet.append(["Exporté par", exported_by.display_name])
    sheet.append(["Inscriptions retenues", tally.total_registrations])
    sheet.append(["Candidats distincts", tally.total_candidates])
    for label, value in filters:
        sheet.append([f"Filtre : {label}", value])
    for label, rule in METHOD_RULES:
        sheet.append([f"Règle : {label}", rule])
    for name, text in UNAVAILABLE.items():
        if not tally.available.get(name, False):
            sheet.append(["Non disponible", text])
    if not with_answers:
        sheet.append(
            [
                "Données sensibles",
                "Les critères d'éligibilité par personne ne figurent que dans les exports "
                "des coordinateurs du PLIE.",
            ]
        )
    for field_name, count in sorted(tally.quality.items()):
        sheet.append([f"Qualité : {field_name}", f"{counted(count, 'fiche')} à compléter"])


def export_workbook(
    db: DbSession,
    *,
    by: int,
    filters: StatisticsFilters,
    output,
    progress: Callable[[float], None] | None = None,
) -> ExportSummary:
    """Write the workbook to `output` and record who exported what; coordinators only."""
    professional = get_professional(db, professional_id=by)
    require_coordinator(professional)
    with_answers = may_see_eligibility_answers(professional)
    available = available_breakdowns(db)
    total = count_selection(db, filters) if progress else 0
    described = describe_filters(db, filters)

    workbook = Workbook(output)
    sheets = {name: workbook.sheet(name) for name in SHEETS}
    participants, quality = sheets["Participants"], sheets["Qualité des données"]
    columns = list(PARTICIPANT_COLUMNS)
    if with_answers:
        columns.insert(-2, Column(ELIGIBILITY_COLUMN))
    participants.header(columns)
    quality.header(QUALITY_COLUMNS)

    tally = Tally(available=available)
    done = 0
    for group in candidate_groups(db, filters):
        for row in group:
            participants.append(_participant_row(row, with_answers, available))
        for issue in tally.add(group):
            row = issue.row
            quality.append(
                [
                    row.last_name,
                    row.first_name,
                    row.birth_date,
                    row.viesion_id,
                    row.action_title,
                    issue.field,
                    issue.detail,
                ]
            )
        if progress and done // PROGRESS_EVERY != (done + len(group)) // PROGRESS_EVERY:
            progress(min((done + len(group)) / max(total, 1), 1.0))
        done += len(group)

    if not tally.quality:
        quality.line("Aucune fiche ne manque d'une information dont les indicateurs ont besoin.")
    period = f"{described[0][1]}, selon la {described[1][1].lower()}"
    _synthesis(sheets["Synthèse"], tally, f"Période {period}")
    _indicators(sheets["Indicateurs FSE+"], tally)
    _method(
        sheets["Méthode"],
        tally,
        filters=described,
        exported_by=professional,
        with_answers=with_answers,
    )
    for sheet in sheets.values():
        sheet.finish()
    workbook.close()

    record = StatisticsExport(
        professional_id=by,
        filters=json.dumps(filters.as_record(), ensure_ascii=False),
        registrations=tally.total_registrations,
        candidates=tally.total_candidates,
    )
    db.add(record)
    db.flush()
    audit.record(
        db,
        professional_id=by,
        event=AuditEvent.EXPORT,
        object_type="statistics_export",
        object_id=record.id,
        detail=f"registrations={tally.total_registrations}",
    )
    db.commit()
    log.info(
        "statistics_exported export=%s by=%s registrations=%s candidates=%s",
        record.id,
        by,
        tally.total_registrations,
        tally.total_candidates,
    )
    if progress:
        progress(1.0)
    return ExportSummary(record.id, tally.total_registrations, tally.total_candidates)


def export_register(db: DbSession, *, by: int, limit: int = 50) -> list[dict]:
    """The latest exports of personal data (who, when, which filters), for the coordinators."""
    require_coordinator(get_professional(db, professional_id=by))
    rows = db.exec(
        select(StatisticsExport, Professional)
        .join(Professional, Professional.id == StatisticsExport.professional_id)
        .order_by(StatisticsExport.exported_at.desc(), StatisticsExport.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "Date": format_datetime(export.exported_at),
            "Par": professional.display_name,
            "Inscriptions": export.registrations,
            "Candidats": export.candidates,
            "Filtres": export.filters,
        }
        for export, professional in rows
    ]
