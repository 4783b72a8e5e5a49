"""Why an identification step or a device check was refused, in German for the member."""

from core.errors import DomainError


class IdentificationUnavailable(DomainError):
    default_message = (
        "Die Identifizierung ist derzeit nicht verfügbar. Bitte versuchen Sie es später erneut."
    )


class IdentificationRefused(DomainError):
    """The attempt cannot start (consent missing, name or KVNR do not match, wrong version)."""

    default_message = "Die Identifizierung kann nicht gestartet werden."


class StepRefused(DomainError):
    """One step failed; the member may try the same step again. `code` is for logs and tests."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class IdentificationFailed(DomainError):
    """The attempt is over (card blocked, expired, cancelled); a new attempt is needed."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class DeviceRefused(DomainError):
    default_message = "Das Gerät konnte nicht bestätigt werden."


class WrongAppPin(DeviceRefused):
    def __init__(self, tries_left: int) -> None:
        self.tries_left = tries_left
        attempts = "1 Versuch" if tries_left == 1 else f"{tries_left} Versuche"
        super().__init__(
            f"Die App-PIN ist falsch. Sie haben noch {attempts}, danach wird das Gerät gesperrt."
        )


class DeviceLocked(DeviceRefused):
    default_message = (
        "Die App-PIN wurde zu oft falsch eingegeben. Das Gerät ist gesperrt und wurde entfernt. "
        "Bitte registrieren Sie es mit einer neuen Identifizierung erneut."
    )


class TooManyResetAttempts(DomainError):
    """The public password reset was started too often; the message names when it opens."""

    default_message = "Zu viele Versuche. Bitte versuchen Sie es in einer Stunde erneut."
