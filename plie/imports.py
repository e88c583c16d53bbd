"""Import of the PLIE's participants from an export (Excel or CSV) of their follow-up software.

A coordinator maps the file's columns once (the mapping is remembered), looks at a dry run
(what would be created, updated, or is in conflict), then imports. Rows are matched to the
people already known by name, first name and birth date (accents and case ignored) or by their
Viesion number, so importing the same file twice changes nothing. A bad row is reported with its
line number and the reason, and the good rows still go in.
"""

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie import audit
from plie.dates import parse_french_date, today_in_paris
from plie.enums import AuditEvent
from plie.errors import InvalidInput
from plie.models import Candidate, ImportColumnMapping, ParticipantImport, Professional
from plie.permissions import require_coordinator
from plie.text import search_key
from plie.validation import (
    FieldError,
    clean_address,
    clean_birth_date,
    clean_email,
    clean_identifier,
    clean_name,
    clean_phone,
)

log = logging.getLogger(__name__)

MAX_ROWS = 20_000
# The file's size limit in megabytes: 20,000 rows of a wide CSV fit. The server's own limit
# (server.maxUploadSize in .streamlit/config.toml) may not be lower.
MAX_FILE_MB = 10
FILE_RULES = f"Fichier accepté : classeur Excel (.xlsx) ou CSV (.csv), de {MAX_FILE_MB} Mo au plus."

# The participant's fields that a column can fill, with their French labels.
FIELDS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
    "phone": "Téléphone",
    "email": "Email",
    "address": "Adresse",
    "viesion_id": "N° Viesion",
    "france_travail_id": "N° France Travail",
}
REQUIRED_FIELDS = ("last_name", "first_name", "birth_date")
# Fields that a file may change on a person already known; an empty cell changes nothing.
UPDATABLE_FIELDS = ("phone", "email", "address", "viesion_id", "france_travail_id")

# Header words that the usual exports use, to propose a mapping the first time.
HEADER_HINTS = {
    "last_name": ("nom", "nomdenaissance", "nomdefamille", "nomusage", "lastname"),
    "first_name": ("prenom", "firstname"),
    "birth_date": ("datedenaissance", "naissance", "nele", "datenaissance", "birthdate"),
    "phone": ("telephone", "tel", "portable", "mobile", "telephoneportable"),
    "email": ("email", "mail", "courriel", "adressemail", "adresseemail"),
    "address": ("adresse", "adressepostale", "address"),
    "viesion_id": ("nviesion", "numeroviesion", "viesion", "idviesion", "nevoviesion"),
    "france_travail_id": ("nfrancetravail", "identifiantfrancetravail", "francetravail", "idft"),
}


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    ERROR = "error"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.CREATED: "Création",
    Outcome.UPDATED: "Mise à jour",
    Outcome.UNCHANGED: "Déjà à jour",
    Outcome.CONFLICT: "Conflit",
    Outcome.ERROR: "Erreur",
}


@dataclass
class ImportTable:
    """A file read as its header and its rows, each with its line number in the file."""

    file_name: str
    columns: list[str]
    rows: list[tuple[int, dict[str, object]]]


@dataclass
class RowResult:
    line: int
    outcome: Outcome
    name: str = ""
    detail: str = ""
    values: dict = field(default_factory=dict, repr=False)
    candidate_id: int | None = None


@dataclass
class ImportPlan:
    """What an import does (dry run) or did, row by row."""

    rows: list[RowResult]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)

    def of(self, outcome: Outcome) -> list[RowResult]:
        return [row for row in self.rows if row.outcome is outcome]

    def table(self) -> list[dict]:
        return [
            {
                "Ligne": row.line,
                "Résultat": row.outcome.label,
                "Personne": row.name,
                "Détail": row.detail,
            }
            for row in self.rows
        ]


# Reading the file.


def read_table(file_name: str, content: bytes) -> ImportTable:
    """The rows of an .xlsx or .csv file; its first non-empty line holds the column names."""
    lowered = file_name.lower()
    if lowered.endswith(".xlsx"):
        lines = _xlsx_lines(content)
    elif lowered.endswith(".csv") or lowered.endswith(".txt"):
        lines = _csv_lines(content)
    else:
        raise InvalidInput(
            {"file": "Le fichier doit être un classeur Excel (.xlsx) ou un fichier CSV (.csv)."}
        )

    numbered = [(number, cells) for number, cells in lines if any(_filled(c) for c in cells)]
    if not numbered:
        raise InvalidInput({"file": "Le fichier est vide : il n'y a aucune ligne à importer."})
    header_line, header = numbered[0]
    columns = [str(cell).strip() if _filled(cell) else "" for cell in header]
    if len([c for c in columns if c]) != len(set(c for c in columns if c)):
        raise InvalidInput(
            {"file": f"Deux colonnes portent le même nom à la ligne {header_line} du fichier."}
        )
    if len(numbered) - 1 > MAX_ROWS:
        raise InvalidInput(
            {"file": f"Le fichier compte plus de {MAX_ROWS} lignes : découpez-le en plusieurs."}
        )
    rows = [
        (
            number,
            {column: cells[i] for i, column in enumerate(columns) if column and i < len(cells)},
        )
        for number, cells in numbered[1:]
    ]
    return ImportTable(file_name=file_name, columns=[c for c in columns if c], rows=rows)


def _filled(cell) -> bool:
    return cell is not None and str(cell).strip() != ""


def _csv_lines(content: bytes) -> list[tuple[int, list]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in French saves "CSV (séparateur : point-virgule)" in Windows-1252.
        text = content.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader]


def _xlsx_lines(content: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise InvalidInput(
            {"file": "Ce classeur Excel ne peut pas être lu : enregistrez-le au format .xlsx."}
        ) from None
    sheet = workbook.worksheets[0]
    lines = [(number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    workbook.close()
    return lines


# The mapping of columns, remembered in the database.


def guess_mapping(columns: list[str]) -> dict[str, str]:
    """For each field, the first column whose name looks like it."""
    mapping = {}
    keys = {column: search_key(column) for column in columns}
    for field_name, hints in HEADER_HINTS.items():
        for column, key in keys.items():
            if key in hints and column not in mapping.values():
                mapping[field_name] = column
                break
    return mapping


def remembered_mapping(db: DbSession, *, columns: list[str]) -> dict[str, str]:
    """The mapping saved last time for the columns this file has, completed by a guess."""
    saved = {
        row.field_name: row.column_name
        for row in db.exec(select(ImportColumnMapping))
        if row.column_name in columns
    }
    guessed = guess_mapping([c for c in columns if c not in saved.values()])
    return {**{f: c for f, c in guessed.items() if f not in saved}, **saved}


def _check_mapping(mapping: dict[str, str | None], columns: list[str]) -> dict[str, str]:
    chosen = {f: c for f, c in mapping.items() if c and f in FIELDS}
    errors = {}
    for field_name in REQUIRED_FIELDS:
        if field_name not in chosen:
            errors[field_name] = f"Choisissez la colonne du champ « {FIELDS[field_name]} »."
    for field_name, column in chosen.items():
        if column not in columns:
            errors[field_name] = f"La colonne « {column} » n'est pas dans ce fichier."
        elif list(chosen.values()).count(column) > 1:
            errors[field_name] = f"La colonne « {column} » est choisie pour plusieurs champs."
    if errors:
        raise InvalidInput(errors)
    return chosen


def _save_mapping(db: DbSession, mapping: dict[str, str], *, by: int) -> None:
    existing = {row.field_name: row for row in db.exec(select(ImportColumnMapping))}
    for field_name in FIELDS:
        row = existing.get(field_name)
        column = mapping.get(field_name)
        if column is None:
            if row is not None:
                db.delete(row)
            continue
        row = row or ImportColumnMapping(field_name=field_name, column_name=column)
        row.column_name, row.updated_by_id = column, by
        db.add(row)


# Reading one row.


def tidy_name(value: str) -> str:
    """'DUPONT-MARTIN' becomes 'Dupont-Martin', "N'DIAYE" "N'Diaye"; mixed case stays."""
    value = re.sub(r"\s+", " ", value.strip())
    if value.isupper() or value.islower():
        value = re.sub(r"[^\W\d_]+", lambda word: word.group(0).capitalize(), value)
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _birth_date(value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return clean_birth_date(value, today=today_in_paris())
    text = _text(value)
    if not text:
        raise FieldError("La date de naissance est vide.")
    if not re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{4}-\d{2}-\d{2}", text):
        raise FieldError(f"La date de naissance « {text} » doit être au format jj/mm/aaaa.")
    if parse_french_date(text) is None:
        raise FieldError(f"La date de naissance « {text} » n'existe pas dans le calendrier.")
    return clean_birth_date(text, today=today_in_paris())


def _phone(value) -> str | None:
    text = _text(value).replace("(0)", "")
    digits = re.sub(r"[\s.\-/()]", "", text)
    # A spreadsheet that took the number for a number dropped its leading zero.
    if re.fullmatch(r"[1-9]\d{8}", digits):
        text = "0" + digits
    return clean_phone(text, required=False)


def _parse_row(cells: dict[str, object], mapping: dict[str, str]) -> dict:
    raw = {field_name: cells.get(column) for field_name, column in mapping.items()}
    cleaners = {
        "last_name": lambda v: clean_name(tidy_name(_text(v)), label="Nom"),
        "first_name": lambda v: clean_name(tidy_name(_text(v)), label="Prénom"),
        "birth_date": _birth_date,
        "phone": _phone,
        "email": lambda v: clean_email(_text(v)),
        "address": lambda v: clean_address(_text(v), required=False),
        "viesion_id": lambda v: clean_identifier(_text(v), label="N° Viesion", max_length=30),
        "france_travail_id": lambda v: clean_identifier(
            _text(v), label="N° France Travail", max_length=11
        ),
    }
    values, problems = {}, []
    for field_name, clean in cleaners.items():
        if field_name not in mapping:
            values[field_name] = None
            continue
        try:
            values[field_name] = clean(raw[field_name])
        except FieldError as error:
            problems.append(str(error))
    if problems:
        raise FieldError(" ".join(problems))
    return values


# Planning and writing.


def _identity(values: dict) -> tuple[str, str, date]:
    return (
        search_key(values["last_name"]),
        search_key(values["first_name"]),
        values["birth_date"],
    )


def _known_people(db: DbSession, parsed: list[dict]) -> tuple[dict, dict]:
    """The people already known who may match the file: by identity and by Viesion number."""
    birth_dates = sorted({values["birth_date"] for values in parsed})
    viesion_ids = sorted({values["viesion_id"] for values in parsed if values["viesion_id"]})
    by_identity: dict[tuple, list[Candidate]] = {}
    by_viesion: dict[str, Candidate] = {}
    for start in range(0, len(birth_dates), 500):
        chunk = birth_dates[start : start + 500]
        for candidate in db.exec(select(Candidate).where(Candidate.birth_date.in_(chunk))):
            key = (candidate.last_name_key, candidate.first_name_key, candidate.birth_date)
            by_identity.setdefault(key, []).append(candidate)
    for start in range(0, len(viesion_ids), 500):
        chunk = viesion_ids[start : start + 500]
        for candidate in db.exec(select(Candidate).where(Candidate.viesion_id.in_(chunk))):
            by_viesion[candidate.viesion_id] = candidate
    return by_identity, by_viesion


def _changes(candidate: Candidate, values: dict) -> dict:
    changes = {
        name: values[name]
        for name in UPDATABLE_FIELDS
        if values.get(name) is not None and getattr(candidate, name) != values[name]
    }
    if not candidate.is_plie_participant:
        changes["is_plie_participant"] = True
    return changes


CHANGE_LABELS = {**FIELDS, "is_plie_participant": "participant PLIE"}


def _plan(db: DbSession, table: ImportTable, mapping: dict[str, str]) -> ImportPlan:
    results: list[RowResult] = []
    parsed: list[tuple[int, dict]] = []
    for line, cells in table.rows:
        try:
            parsed.append((line, _parse_row(cells, mapping)))
        except FieldError as error:
            results.append(RowResult(line=line, outcome=Outcome.ERROR, detail=str(error)))

    by_identity, by_viesion = _known_people(db, [values for _, values in parsed])
    seen_identity: dict[tuple, int] = {}
    seen_viesion: dict[str, int] = {}
    for line, values in parsed:
        result = RowResult(
            line=line,
            outcome=Outcome.CONFLICT,
            name=f"{values['last_name'].upper()} {values['first_name']}",
            values=values,
        )
        results.append(result)
        identity, viesion = _identity(values), values["viesion_id"]
        matches = by_identity.get(identity, [])
        by_number = by_viesion.get(viesion) if viesion else None

        if identity in seen_identity:
            result.detail = (
                f"La même personne figure déjà ligne {seen_identity[identity]} du fichier : "
                "cette ligne n'est pas importée."
            )
            continue
        seen_identity[identity] = line
        if viesion and viesion in seen_viesion:
            result.detail = (
                f"Le N° Viesion {viesion} figure déjà ligne {seen_viesion[viesion]} du fichier "
                "pour une autre personne."
            )
            continue
        if viesion:
            seen_viesion[viesion] = line
        if len(matches) > 1:
            result.detail = (
                "Plusieurs personnes du module ont ces nom, prénom et date de naissance : "
                "fusionnez ces doublons, puis importez de nouveau."
            )
            continue
        match = matches[0] if matches else None
        if by_number is not None and (match is None or by_number.id != match.id):
            result.detail = (
                f"Le N° Viesion {viesion} est déjà celui d'une personne du module dont le nom, "
                "le prénom ou la date de naissance diffèrent : vérifiez la ligne."
            )
            continue
        if match is not None and match.viesion_id and viesion and match.viesion_id != viesion:
            result.detail = (
                f"Cette personne a le N° Viesion {match.viesion_id} dans le module, "
                f"et {viesion} dans le fichier : vérifiez la ligne."
            )
            continue

        if match is None:
            result.outcome = Outcome.CREATED
            continue
        result.candidate_id = match.id
        changes = _changes(match, values)
        result.outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
        result.detail = ", ".join(CHANGE_LABELS[name] for name in changes)
    return ImportPlan(rows=sorted(results, key=lambda row: row.line))


def plan_import(
    db: DbSession, *, by: int, table: ImportTable, mapping: dict[str, str | None]
) -> ImportPlan:
    """The dry run: what the import would create, update, leave, or refuse; writes nothing."""
    require_coordinator(db.get(Professional, by))
    return _plan(db, table, _check_mapping(mapping, table.columns))


def apply_import(
    db: DbSession, *, by: int, table: ImportTable, mapping: dict[str, str | None]
) -> ImportPlan:
    """Write the rows the dry run accepts, remember the mapping, record the import; one commit."""
    require_coordinator(db.get(Professional, by))
    chosen = _check_mapping(mapping, table.columns)
    plan = _plan(db, table, chosen)

    created = [
        Candidate(
            **{name: row.values[name] for name in ("last_name", "first_name", "birth_date")},
            **{name: row.values[name] for name in UPDATABLE_FIELDS},
            last_name_key=search_key(row.values["last_name"]),
            first_name_key=search_key(row.values["first_name"]),
            is_plie_participant=True,
            created_by_id=by,
        )
        for row in plan.of(Outcome.CREATED)
    ]
    db.add_all(created)
    for row in plan.of(Outcome.UPDATED):
        candidate = db.get(Candidate, row.candidate_id)
        for name, value in _changes(candidate, row.values).items():
            setattr(candidate, name, value)
        db.add(candidate)

    _save_mapping(db, chosen, by=by)
    record = ParticipantImport(
        by_id=by,
        file_name=table.file_name[:255],
        created=plan.count(Outcome.CREATED),
        updated=plan.count(Outcome.UPDATED),
        unchanged=plan.count(Outcome.UNCHANGED),
        conflicts=plan.count(Outcome.CONFLICT),
        errors=plan.count(Outcome.ERROR),
    )
    db.add(record)
    db.flush()
    audit.record(
        db,
        professional_id=by,
        event=AuditEvent.IMPORT,
        object_type="participant_import",
        object_id=record.id,
        detail=f"created={record.created} updated={record.updated}",
    )
    db.commit()
    log.info(
        "participants_imported import=%s by=%s created=%s updated=%s unchanged=%s "
        "conflicts=%s errors=%s",
        record.id,
        by,
        record.created,
        record.updated,
        record.unchanged,
        record.conflicts,
        record.errors,
    )
    return plan
