"""The review's entry tables: the rows an organiser edits, and what they mean once edited.

Pure functions: the page shows `entry_rows` of one page of candidates in a table and hands the
edited rows back to `lines_from_rows`, which turns the French labels into the codes the domain
stores.
"""

from dataclasses import dataclass

from plie.enums import Attendance
from plie.errors import InvalidInput
from plie.reference import FOLLOW_UP_MONTHS, FOLLOW_UP_SITUATIONS, OUTCOMES
from plie.review_views import ReviewPage, ReviewSheet, outcome_label, situation_label
from plie.reviews import EmployerOutcomeInput, FollowUpInput, ReviewLineInput

ATTENDANCE_BY_LABEL = {attendance.label: attendance for attendance in Attendance}
OUTCOME_BY_LABEL = {choice.label: choice.code for choice in OUTCOMES}
SITUATION_BY_LABEL = {situation.label: situation.code for situation in FOLLOW_UP_SITUATIONS}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    options: tuple[str, ...] | None = None  # a choice in a list; None: free text

    @property
    def is_text(self) -> bool:
        return self.options is None


def entry_columns(sheet: ReviewSheet) -> list[Column]:
    """Présence, then the outcome and comment per employer (or for the session), a comment."""
    columns = [Column("Présence", "Présence", tuple(ATTENDANCE_BY_LABEL))]
    outcomes = tuple(OUTCOME_BY_LABEL)
    if sheet.employers:
        for employer_id, name in sheet.employers:
            columns.append(Column(f"suite_{employer_id}", f"{name} : suite donnée", outcomes))
            columns.append(Column(f"commentaire_{employer_id}", f"{name} : commentaire"))
    else:
        columns.append(Column("Suite donnée", "Suite donnée", outcomes))
    columns.append(Column("Commentaire", "Commentaire"))
    return columns


def entry_rows(sheet: ReviewSheet, page: ReviewPage) -> list[dict]:
    """The page's candidates, one row each, with what is recorded for them."""
    rows = []
    for line in page.lines:
        entry = page.entries.get(line.registration_id)
        row = {
            "registration_id": line.registration_id,
            "Candidat": line.candidate,
            "Prescripteur": line.prescriber,
            "Présence": entry.attendance.label if entry and entry.attendance else None,
        }
        if sheet.employers:
            for employer_id, _ in sheet.employers:
                outcome = page.outcomes.get((line.registration_id, employer_id))
                row[f"suite_{employer_id}"] = outcome_label(outcome.outcome) if outcome else None
                row[f"commentaire_{employer_id}"] = outcome.comment if outcome else ""
        else:
            row["Suite donnée"] = outcome_label(entry.outcome) if entry else None
        row["Commentaire"] = entry.comment if entry else ""
        rows.append(row)
    return rows


def _choice(value, by_label: dict, what: str, name: str, errors: dict, key: str):
    if value is None or value == "":
        return None
    if value not in by_label:
        errors[key] = f"{name} : « {value} » n'est pas dans la liste des choix de « {what} »."
        return None
    return by_label[value]


def lines_from_rows(sheet: ReviewSheet, rows: list[dict]) -> list[ReviewLineInput]:
    """The edited rows as the domain's inputs; a value outside the lists is refused."""
    errors: dict[str, str] = {}
    lines = []
    for row in rows:
        name, key = row.get("Candidat", ""), f"line-{row['registration_id']}"
        line = ReviewLineInput(
            registration_id=row["registration_id"],
            attendance=_choice(
                row.get("Présence"), ATTENDANCE_BY_LABEL, "Présence", name, errors, key
            ),
            comment=row.get("Commentaire") or "",
        )
        if sheet.employers:
            for employer_id, _ in sheet.employers:
                line.employers[employer_id] = EmployerOutcomeInput(
                    outcome=_choice(
                        row.get(f"suite_{employer_id}"),
                        OUTCOME_BY_LABEL,
                        "Suite donnée",
                        name,
                        errors,
                        key,
                    ),
                    comment=row.get(f"commentaire_{employer_id}") or "",
                )
        else:
            line.outcome = _choice(
                row.get("Suite donnée"), OUTCOME_BY_LABEL, "Suite donnée", name, errors, key
            )
        lines.append(line)
    if errors:
        raise InvalidInput(errors)
    return lines


def follow_up_column(months: int) -> str:
    return f"Suivi {months} mois"


def follow_up_rows(page: ReviewPage) -> list[dict]:
    """One row per candidate of the page present at the session, one column per follow-up."""
    rows = []
    for line in page.lines:
        if line.attendance != Attendance.PRESENT.label:
            continue
        row = {"registration_id": line.registration_id, "Candidat": line.candidate}
        for months in FOLLOW_UP_MONTHS:
            recorded = page.follow_ups.get((line.registration_id, months))
            row[follow_up_column(months)] = (
                situation_label(recorded.situation) if recorded else None
            )
        rows.append(row)
    return rows


def follow_ups_from_rows(rows: list[dict]) -> list[FollowUpInput]:
    errors: dict[str, str] = {}
    follow_ups = []
    for row in rows:
        for months in FOLLOW_UP_MONTHS:
            key = f"follow-up-{row['registration_id']}-{months}"
            situation = _choice(
                row.get(follow_up_column(months)),
                SITUATION_BY_LABEL,
                follow_up_column(months),
                row.get("Candidat", ""),
                errors,
                key,
            )
            follow_ups.append(FollowUpInput(row["registration_id"], months, situation))
    if errors:
        raise InvalidInput(errors)
    return follow_ups
