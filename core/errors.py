"""Domain errors. Each carries a German message that a page may show as it is."""


class DomainError(Exception):
    """A rule of the domain was broken; `message` is safe to show to the user (German)."""

    default_message = "Die Aktion konnte nicht ausgeführt werden."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidKvnr(DomainError):
    default_message = "Die Versichertennummer ist ungültig."


class UnknownMember(DomainError):
    default_message = "Zu dieser Versichertennummer ist kein HEK-Mitglied bekannt."


class NotAllowed(DomainError):
    default_message = "Dafür fehlt Ihnen die Berechtigung."


class LoginRefused(DomainError):
    default_message = "Benutzername oder Passwort ist falsch."


class AccountLocked(LoginRefused):
    default_message = (
        "Zu viele Fehlversuche. Die Anmeldung ist für einige Minuten gesperrt. "
        "Bitte versuchen Sie es später erneut."
    )


class SessionEnded(DomainError):
    default_message = "Ihre Sitzung wurde beendet. Bitte melden Sie sich erneut an."

    def __init__(self, message: str | None = None, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason  # why the session ended ("logout", "timeout", …); None: unknown


class SessionExpired(SessionEnded):
    default_message = (
        "Ihre Sitzung ist wegen Inaktivität abgelaufen. Bitte melden Sie sich erneut an."
    )


class WeakPassword(DomainError):
    default_message = "Das Passwort erfüllt die Anforderungen nicht."


class MissingSecrets(DomainError):
    default_message = "Es fehlen Geheimnisse in der Konfiguration."
