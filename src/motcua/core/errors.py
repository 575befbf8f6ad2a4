"""Domain errors with stable codes; the app maps them to 4xx responses a person can act on."""

from typing import Any


class DomainError(Exception):
    """Base of every refusal the platform makes on purpose."""

    status_code = 400
    code = "bad-request"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class NotFound(DomainError):
    status_code = 404
    code = "not-found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Invalid(DomainError):
    status_code = 422
    code = "invalid"
