"""What each state of a registration still allows, as the user guide puts it.

- At any time while it runs: the candidate's details, the answers, the co-prescribers, and
  adding a session still open for registration.
- Until an organiser validates it: the sessions asked, the employers and the slots chosen.
- Until an organiser has processed it: deleting it (see plie.registrations.can_delete).
"""

from sqlmodel import Session as DbSession
from sqlmodel import select

from plie.enums import RegistrationStatus
from plie.errors import NotFound, TransitionRefused
from plie.models import Registration, RegistrationSession, Session

S = RegistrationStatus

ENDED_STATUSES = frozenset({S.UNREGISTERED, S.REFUSED_BY_COMMISSION, S.REFUSED_BY_CANDIDATE})
# Sessions, employers and slots may change while the organisers have not validated.
CHOICES_OPEN_STATUSES = frozenset(
    {S.DRAFT, S.PENDING, S.ELIGIBILITY_NOT_VALIDATED, S.ELIGIBILITY_VALIDATED}
)


def load_for_update(db: DbSession, registration_id: int) -> Registration:
    """The registration, its row locked until the commit (PostgreSQL; SQLite's writers queue).

    Two requests on the same registration (a double click, two co-prescribers) then run one
    after the other, so counts read here stay true until the commit.
    """
    registration = db.exec(
        select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if registration is None:
        raise NotFound("Cette inscription n'existe pas ou a été supprimée.")
    return registration


def require_running(registration: Registration) -> None:
    if registration.status in ENDED_STATUSES:
        raise TransitionRefused(
            f"Cette inscription est terminée (« {registration.status.label} ») : elle ne peut "
            "plus être modifiée."
        )


def choices_open(registration: Registration) -> bool:
    return registration.status in CHOICES_OPEN_STATUSES


def require_choices_open(registration: Registration) -> None:
    """Sessions, employers and slots can change only until the organisers validate."""
    require_running(registration)
    if not choices_open(registration):
        raise TransitionRefused(
            f"Cette inscription est à l'état « {registration.status.label} » : les sessions, les "
            "employeurs et les créneaux ne peuvent plus être modifiés. Contactez le pilote de "
            "l'action pour tout changement."
        )


def registration_sessions(db: DbSession, registration_id: int) -> list[Session]:
    return list(
        db.exec(
            select(Session)
            .join(RegistrationSession, RegistrationSession.session_id == Session.id)
            .where(RegistrationSession.registration_id == registration_id)
            .order_by(Session.starts_at)
        )
    )
