"""The domain's errors. Each message is a complete French sentence that a page shows as is."""


class DomainError(Exception):
    """A rule of the module refused the operation; `str(error)` is for the user."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The person may not do this (role, relation to the action or registration)."""


class NotFound(DomainError):
    """The thing asked for does not exist, or is not visible to the person asking."""


class InvalidInput(DomainError):
    """One or more fields are invalid; `errors` maps each field to its French message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        first = next(iter(errors.values()))
        super().__init__(
            first if len(errors) == 1 else "Certains champs sont à corriger : voir les messages."
        )


class TransitionRefused(DomainError):
    """The registration cannot go from its current state to the one asked."""


class NoPlaceLeft(DomainError):
    """The session (or the slot) has no place left."""


class RegistrationClosed(DomainError):
    """The session's registration deadline has passed, or the session has started."""


class ReviewLocked(DomainError):
    """The session's review is locked: nothing in it, nor its registrations' states, changes."""
