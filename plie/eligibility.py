"""The eligibility forms of each scheme, as data a PLIE can change, and the answers' rules.

Each scheme (the action's "Éligibilité") asks its own fields. A field of criteria may have an
exclusive choice ("Non concerné", "Aucun") that cannot be ticked with another; a field is
required as the user guide marks it ("*"), sometimes only after another answer (the Viesion
link when the person is a PLIE participant, the FSE proof when not).

Some answers are sensitive personal data (disability recognition, minimum benefits, a custodial
sentence, a refugee's status): they are shown only to the registration's prescribers and its
action's organisers, and never written to the logs (the logs name fields, never values).
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.documents import FileStore, Upload, check_upload
from plie.enums import EligibilityScheme
from plie.errors import InvalidInput, NotAllowed, NotFound
from plie.models import Document, EligibilityAnswer, Professional, Registration
from plie.permissions import may_see_registration

YES, NO = "oui", "non"


class FieldKind(StrEnum):
    CRITERIA = "criteria"  # tick boxes
    YES_NO = "yes_no"
    LINK = "link"
    FILE = "file"


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    sensitive: bool = False
    exclusive: bool = False


@dataclass(frozen=True)
class EligibilityField:
    code: str
    label: str
    kind: FieldKind
    required: bool = False
    choices: tuple[Choice, ...] = ()
    help: str = ""
    # (field, value): the field is asked, and required if `required`, only after that answer.
    only_if: tuple[str, str] | None = None
    # How the public form asks the candidate themself, when the label speaks of "la personne".
    self_label: str = ""

    @property
    def candidate_label(self) -> str:
        return self.self_label or self.label


@dataclass(frozen=True)
class EligibilityForm:
    scheme: EligibilityScheme
    title: str
    intro: str
    fields: tuple[EligibilityField, ...] = field(default_factory=tuple)

    def field(self, code: str) -> EligibilityField:
        return next(f for f in self.fields if f.code == code)


CLAUSE_FORM = EligibilityForm(
    EligibilityScheme.CLAUSE,
    "Éligibilité Clause Emploi",
    "Cette action concerne en partie ou en totalité des recrutements liés aux clauses emploi. "
    "Nous vous remercions de compléter les informations concernant l'éligibilité de la "
    "personne orientée.",
    (
        EligibilityField(
            "clause_criteria",
            "Éligibilité Clause Emploi",
            FieldKind.CRITERIA,
            choices=(
                Choice("plie", "Participant PLIE"),
                Choice("rsa", "Allocataire du RSA", sensitive=True),
                Choice(
                    "other_minima",
                    "Allocataire d'autres minimas sociaux (ASS, AAH...)",
                    sensitive=True,
                ),
                Choice("deld", "Demandeur d'emploi de longue durée (>12 mois)"),
                Choice(
                    "young_supported",
                    "Demandeur d'emploi de moins de 26 ans, en suivi renforcé à la mission "
                    "locale (Type PACEA, contrat d'engagement jeune...)",
                ),
                Choice(
                    "young_dropout",
                    "Demandeur d'emploi de moins de 26 ans, en rupture de parcours scolaire ou "
                    "professionnel (sans emploi), depuis plus de 6 mois",
                ),
                Choice("rqth", "Demandeur d'emploi disposant d'une RQTH", sensitive=True),
                Choice(
                    "refugee",
                    "Demandeur d'emploi ayant le statut de réfugié ou bénéficiaires de la "
                    "protection subsidiaire",
                    sensitive=True,
                ),
                Choice("siae", "Personne en parcours SIAE"),
                Choice("senior", "Demandeur d'emploi Senior (+50 ans)"),
                Choice(
                    "custody",
                    "Personne ayant fait l'objet d'une peine privative de liberté",
                    sensitive=True,
                ),
                Choice(
                    "qpv",
                    "Demandeur d'emploi habitant en Quartier Politique de la Ville "
                    "(Ce critère ne se suffit pas à lui-même)",
                ),
                Choice("none", "Non concerné", exclusive=True),
            ),
        ),
    ),
)

FSE_FORM = EligibilityForm(
    EligibilityScheme.FSE,
    "Eligibilité FSE",
    "Ce dispositif nécessite de fournir des pièces justifiant l'éligibilité de la personne "
    "inscrite. Le document joint à l'action liste les pièces à fournir pour chaque critère "
    "d'éligibilité : merci de le lire attentivement. Pour toute question, merci de contacter "
    "l'organisateur de l'action.",
    (
        EligibilityField(
            "fse_criteria",
            "Eligibilité FSE",
            FieldKind.CRITERIA,
            required=True,
            choices=(
                Choice("rsa", "Bénéficiaire du RSA", sensitive=True),
                Choice("rqth", "Bénéficiaire d'une RQTH", sensitive=True),
                Choice("ass", "Bénéficiaire ASS", sensitive=True),
                Choice("deld", "Demandeur d'emploi longue durée"),
                Choice("refugee", "Réfugiés/Bénéf. Protection subsidiaire", sensitive=True),
                Choice("temporary_protection", "Bénéficiaire de protection temporaire", True),
                Choice("newcomer", "Primo arrivant", sensitive=True),
                Choice("age", "Agé(e) entre 18 et 30 ans ou + plus de 55 ans"),
                Choice("woman", "Femme en recherche d'emploi"),
            ),
        ),
        EligibilityField(
            "plie_participant",
            "Participant du PLIE",
            FieldKind.YES_NO,
            True,
            self_label="Êtes-vous accompagné·e par un référent du PLIE (participant du PLIE) ?",
        ),
        EligibilityField(
            "viesion_link",
            "Lien vers le dossier Viesion",
            FieldKind.LINK,
            required=True,
            help="Si la personne est accompagnée dans le cadre du PLIE, seul le lien vers le "
            "dossier Viesion est nécessaire.",
            only_if=("plie_participant", YES),
        ),
        EligibilityField(
            "fse_proof",
            "Justificatif FSE",
            FieldKind.FILE,
            required=True,
            only_if=("plie_participant", NO),
        ),
        EligibilityField(
            "job_search_proof",
            "Justificatif de recherche d'emploi",
            FieldKind.FILE,
            only_if=("plie_participant", NO),
        ),
    ),
)

QPV_FORM = EligibilityForm(
    EligibilityScheme.QPV,
    "Actions dans les quartiers prioritaires, Cité de l'Emploi",
    "",
    (
        EligibilityField(
            "qpv",
            "QPV",
            FieldKind.YES_NO,
            required=True,
            self_label="Habitez-vous un quartier prioritaire de la politique de la ville (QPV) ?",
        ),
        EligibilityField(
            "qpv_statistics",
            "Autres informations à des fins statistiques pour le FSE",
            FieldKind.CRITERIA,
            required=True,
            choices=(
                Choice("rsa", "Allocataire du RSA", sensitive=True),
                Choice("plie", "Participant du PLIE"),
                Choice("deld", "Demandeur d'emploi de longue durée (> 12 mois)"),
                Choice(
                    "young_dropout",
                    "Jeune -26 ans en rupture scolaire ou professionnelle de + de 6 mois",
                ),
                Choice("none", "Non concerné", exclusive=True),
            ),
        ),
    ),
)

NO_ELIGIBILITY_FORM = EligibilityForm(
    EligibilityScheme.NONE,
    "Informations à des fins statistiques pour le FSE",
    "Cette action n'est pas soumise à une demande d'éligibilité. Nous vous remercions de "
    "compléter les informations ci-dessous à des fins statistiques pour les financeurs.",
    (
        EligibilityField(
            "statistics",
            "Informations à des fins statistiques pour le FSE",
            FieldKind.CRITERIA,
            required=True,
            choices=(
                Choice("under_26", "-26 ans"),
                Choice("deld", "DELD"),
                Choice("plie", "PLIE"),
                Choice("qpv", "QPV"),
                Choice("rsa", "RSA", sensitive=True),
                Choice("none", "Aucun", exclusive=True),
            ),
        ),
    ),
)

FORMS = {form.scheme: form for form in (CLAUSE_FORM, FSE_FORM, QPV_FORM, NO_ELIGIBILITY_FORM)}


def form_for(scheme: EligibilityScheme) -> EligibilityForm:
    return FORMS[scheme]


def asks_files(scheme: EligibilityScheme) -> bool:
    return any(f.kind is FieldKind.FILE for f in form_for(scheme).fields)


# The answers by which a prescriber (or the candidate) declares a PLIE participant: the
# "plie" criterion of a list of criteria, or "Oui" to the FSE form's "Participant du PLIE".
PLIE_CHOICE = "plie"
PLIE_PARTICIPANT_FIELD = "plie_participant"


def declares_plie_participant(form_field: EligibilityField, value: str) -> bool:
    """Whether this stored answer to this field says the person is a PLIE participant."""
    if form_field.kind is FieldKind.CRITERIA:
        return value == PLIE_CHOICE
    if form_field.kind is FieldKind.YES_NO:
        return form_field.code == PLIE_PARTICIPANT_FIELD and value == YES
    return False


def answers_declare_plie_participant(
    scheme: EligibilityScheme, stored: dict[str, list[str]]
) -> bool:
    """Whether a registration's stored answers say the person is a PLIE participant."""
    fields = {form_field.code: form_field for form_field in form_for(scheme).fields}
    return any(
        declares_plie_participant(fields[code], value)
        for code, values in stored.items()
        if code in fields
        for value in values
    )


def is_asked(form_field: EligibilityField, answers: dict) -> bool:
    """Whether the field is asked, given the answers to the fields it depends on."""
    if form_field.only_if is None:
        return True
    other, value = form_field.only_if
    return _yes_no_text(answers.get(other)) == value


def _yes_no_text(value) -> str | None:
    if value is True or value == YES:
        return YES
    if value is False or value == NO:
        return NO
    return None


def _clean_link(value: str, label: str) -> str:
    value = (value or "").strip()
    if value and (len(value) > 500 or not re.fullmatch(r"https?://[^\s<>\"']+", value)):
        raise ValueError(
            f"Le champ « {label} » doit être une adresse web commençant par https:// "
            "(500 caractères au plus)."
        )
    return value


def clean_answers(scheme: EligibilityScheme, answers: dict) -> dict[str, list[str]]:
    """The answers as stored values per field, or InvalidInput with a French message per field.

    `answers` maps a field's code to a list of choice codes (criteria), True/False (yes/no) or
    a text (link); files are checked apart. Exclusive choices are refused with any other.
    """
    form = form_for(scheme)
    cleaned: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for form_field in form.fields:
        value = answers.get(form_field.code)
        if form_field.kind is FieldKind.FILE or not is_asked(form_field, answers):
            continue
        if form_field.kind is FieldKind.CRITERIA:
            codes = list(dict.fromkeys(value or []))
            known = {choice.code: choice for choice in form_field.choices}
            if any(code not in known for code in codes):
                errors[form_field.code] = f"Une réponse à « {form_field.label} » est inconnue."
                continue
            exclusive = [known[code] for code in codes if known[code].exclusive]
            if exclusive and len(codes) > 1:
                errors[form_field.code] = (
                    f"« {exclusive[0].label} » ne peut pas être coché avec un autre critère "
                    f"dans « {form_field.label} »."
                )
                continue
            cleaned[form_field.code] = codes
        elif form_field.kind is FieldKind.YES_NO:
            text = _yes_no_text(value)
            cleaned[form_field.code] = [text] if text else []
        else:
            try:
                link = _clean_link(value, form_field.label)
            except ValueError as error:
                errors[form_field.code] = str(error)
                continue
            cleaned[form_field.code] = [link] if link else []
    if errors:
        raise InvalidInput(errors)
    return cleaned


def missing_answers(
    scheme: EligibilityScheme, stored: dict[str, list[str]], documents: set[str]
) -> dict[str, str]:
    """The required fields still unanswered, each with its French message."""
    form = form_for(scheme)
    flat = {code: values[0] if len(values) == 1 else values for code, values in stored.items()}
    missing = {}
    for form_field in form.fields:
        if not form_field.required or not is_asked(form_field, flat):
            continue
        answered = (
            form_field.code in documents
            if form_field.kind is FieldKind.FILE
            else bool(stored.get(form_field.code))
        )
        if not answered:
            missing[form_field.code] = (
                f"Joignez le fichier « {form_field.label} »."
                if form_field.kind is FieldKind.FILE
                else f"Le champ « {form_field.label} » est obligatoire."
            )
    return missing


def stored_answers(db: DbSession, registration_id: int) -> dict[str, list[str]]:
    rows = db.exec(
        select(EligibilityAnswer)
        .where(EligibilityAnswer.registration_id == registration_id)
        .order_by(EligibilityAnswer.id)
    ).all()
    answers: dict[str, list[str]] = {}
    for row in rows:
        answers.setdefault(row.field, []).append(row.value)
    return answers


def stored_documents(db: DbSession, registration_id: int) -> dict[str, Document]:
    rows = db.exec(select(Document).where(Document.registration_id == registration_id)).all()
    return {document.purpose: document for document in rows}


def write_answers(
    db: DbSession,
    registration: Registration,
    scheme: EligibilityScheme,
    answers: dict,
    files: dict[str, Upload | None],
    *,
    store: FileStore,
    by: int | None,
) -> None:
    """Replace the registration's eligibility answers; files given replace the former ones.

    `by` is None when the candidate answered, through the public form (which gives no file).
    """
    cleaned = clean_answers(scheme, answers)
    form = form_for(scheme)
    file_fields = {f.code: f for f in form.fields if f.kind is FieldKind.FILE}
    checked = {}
    errors = {}
    for code, upload in files.items():
        if upload is None or code not in file_fields:
            continue
        try:
            label = file_fields[code].label
            checked[code] = (upload, check_upload(upload, field=code, label=label))
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)

    for row in db.exec(
        select(EligibilityAnswer).where(EligibilityAnswer.registration_id == registration.id)
    ):
        db.delete(row)
    db.flush()
    for code, values in cleaned.items():
        for value in values:
            db.add(EligibilityAnswer(registration_id=registration.id, field=code, value=value))

    existing = stored_documents(db, registration.id) if file_fields else {}
    flat = {code: values[0] if values else None for code, values in cleaned.items()}
    for code, form_field in file_fields.items():
        if code in existing and (code in checked or not is_asked(form_field, flat)):
            # Replaced by a new file, or no longer asked (the person became a PLIE participant).
            store.forget(db, existing[code])
        if code in checked and is_asked(form_field, flat):
            upload, file_type = checked[code]
            store.store(db, upload, file_type, registration_id=registration.id, purpose=code, by=by)
    db.flush()


@dataclass
class ShownAnswer:
    label: str
    values: list[str]
    sensitive: bool


def _readable(form: EligibilityForm, stored: dict[str, list[str]], *, with_sensitive: bool):
    shown = []
    for form_field in form.fields:
        values = stored.get(form_field.code, [])
        if form_field.kind is FieldKind.CRITERIA:
            choices = {choice.code: choice for choice in form_field.choices}
            picked = [choices[code] for code in values if code in choices]
            if not with_sensitive:
                picked = [choice for choice in picked if not choice.sensitive]
            shown.append(
                ShownAnswer(
                    form_field.label,
                    [choice.label for choice in picked],
                    any(choice.sensitive for choice in picked),
                )
            )
        elif form_field.kind is not FieldKind.FILE and values:
            label = {YES: "Oui", NO: "Non"}.get(values[0], values[0])
            shown.append(ShownAnswer(form_field.label, [label], False))
    return shown


def answers_for(db: DbSession, *, by: int, registration_id: int) -> list[ShownAnswer]:
    """The eligibility answers as a person may read them.

    The registration's prescribers and its action's organisers read every answer; the PLIE's
    coordinators, who count the answers for the funders, never read the sensitive ones.
    """
    registration = db.get(Registration, registration_id)
    if registration is None:
        raise NotFound("Cette inscription n'existe pas ou a été supprimée.")
    scheme = registration.action.eligibility_scheme
    stored = stored_answers(db, registration_id)
    if may_see_registration(db, professional_id=by, registration=registration):
        return _readable(form_for(scheme), stored, with_sensitive=True)
    reader = db.get(Professional, by)
    if reader is not None and (reader.is_coordinator or reader.is_admin):
        return _readable(form_for(scheme), stored, with_sensitive=False)
    raise NotAllowed("Cette inscription ne vous est pas accessible.")


def sensitive_codes(scheme: EligibilityScheme) -> set[tuple[str, str]]:
    """(field, choice) pairs that are sensitive personal data in this scheme's form."""
    return {
        (form_field.code, choice.code)
        for form_field in form_for(scheme).fields
        for choice in form_field.choices
        if choice.sensitive
    }
