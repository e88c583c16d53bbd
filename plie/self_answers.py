"""What a "candidat libre" declares about themself in the public form, and what is left to
collect with them.

The public form asks the action's eligibility fields a person can answer alone (tick boxes and
yes/no) and the action's own questions, except files. The Viesion link is the PLIE's own
record, and an anonymous visitor uploads nothing (an open upload would let anyone fill the
server's disk): the organisers collect those with the candidate, and the registration's page
names them. The answers are stored in the same tables as a prescriber's, so the statistics and
the ESF+ export count them alike.
"""

from dataclasses import dataclass, field

from sqlmodel import Session as DbSession

from plie import eligibility, questions
from plie.eligibility import EligibilityField, FieldKind
from plie.enums import EligibilityScheme, QuestionKind
from plie.errors import InvalidInput
from plie.models import Action, ActionQuestion, Registration
from plie.registration_edits import missing_answers

SELF_DECLARED_KINDS = frozenset({FieldKind.CRITERIA, FieldKind.YES_NO})
SELF_ANSWERED_KINDS = frozenset({QuestionKind.YES_NO, QuestionKind.TEXT, QuestionKind.CHOICE})


@dataclass
class SelfAnswers:
    """The candidate's answers: choice codes or True/False per field, a value per question."""

    eligibility: dict = field(default_factory=dict)
    questions: dict[int, object] = field(default_factory=dict)


def self_declared_fields(scheme: EligibilityScheme) -> tuple[EligibilityField, ...]:
    """The scheme's eligibility fields that the public form asks the candidate."""
    return tuple(f for f in eligibility.form_for(scheme).fields if f.kind in SELF_DECLARED_KINDS)


def asks_sensitive(scheme: EligibilityScheme) -> bool:
    """Whether "Votre situation" offers sensitive choices (RSA, RQTH, refugee, custody...)."""
    return any(choice.sensitive for f in self_declared_fields(scheme) for choice in f.choices)


def self_answered_questions(db: DbSession, *, action_id: int) -> list[ActionQuestion]:
    """The action's questions that the public form asks: all but the files."""
    return [
        question
        for question in questions.list_questions(db, action_id=action_id)
        if question.kind in SELF_ANSWERED_KINDS
    ]


def asked_only(db: DbSession, action: Action, answers: SelfAnswers) -> SelfAnswers:
    """The answers to what the public form asks, whatever else a request carried."""
    codes = {f.code for f in self_declared_fields(action.eligibility_scheme)}
    ids = {q.id for q in self_answered_questions(db, action_id=action.id)}
    return SelfAnswers(
        {code: value for code, value in answers.eligibility.items() if code in codes},
        {key: value for key, value in answers.questions.items() if key in ids},
    )


def check(db: DbSession, action: Action, answers: SelfAnswers) -> dict[str, str]:
    """A French message per answer refused, or required and left empty; nothing is written."""
    return _check_eligibility(action.eligibility_scheme, answers.eligibility) | (
        questions.check_answers(self_answered_questions(db, action_id=action.id), answers.questions)
    )


def _check_eligibility(scheme: EligibilityScheme, answers: dict) -> dict[str, str]:
    fields = self_declared_fields(scheme)
    errors: dict[str, str] = {}
    try:
        cleaned = eligibility.clean_answers(scheme, answers)
    except InvalidInput as error:
        errors = dict(error.errors)
        # The other fields are still checked: every message is given at once.
        valid = {code: value for code, value in answers.items() if code not in errors}
        cleaned = eligibility.clean_answers(scheme, valid)
    for form_field in fields:
        if not form_field.required or form_field.code in errors:
            continue
        if not eligibility.is_asked(form_field, answers) or cleaned.get(form_field.code):
            continue
        errors[form_field.code] = (
            f"Cochez au moins une case dans « {form_field.candidate_label} »."
            if form_field.kind is FieldKind.CRITERIA
            else f"Répondez à la question « {form_field.candidate_label} »."
        )
    return errors


def still_to_collect(db: DbSession, *, registration: Registration) -> list[str]:
    """The labels of the required answers still missing, in the form's order."""
    action = db.get(Action, registration.action_id)
    missing = missing_answers(db, registration, action)
    labels = [
        form_field.label
        for form_field in eligibility.form_for(action.eligibility_scheme).fields
        if form_field.code in missing
    ]
    labels += [
        question.label
        for question in questions.list_questions(db, action_id=action.id)
        if f"question_{question.id}" in missing
    ]
    return labels
