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
