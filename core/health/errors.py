"""smarthealth's domain errors, each with the German sentence a page shows as it is."""

from core.crypto import DecryptionFailed
from core.errors import DomainError, NotAllowed


class OwnerOnly(NotAllowed):
    default_message = (
        "Die Gesundheitsakte kann nur die versicherte Person selbst öffnen. "
        "Mitarbeitende der HEK haben keinen Zugang."
    )


class NotEligible(DomainError):
    default_message = "smarthealth kann für Ihr Konto nicht freigeschaltet werden."


class AlreadyActive(DomainError):
    default_message = "Ihre Gesundheitsakte ist bereits freigeschaltet."


class RecordNotActive(DomainError):
    default_message = "Für Ihr Konto ist keine Gesundheitsakte freigeschaltet."


class AccessEnded(DomainError):
    default_message = "Ihr Zugang zu smarthealth ist beendet."


class ConsentMissing(DomainError):
    default_message = (
        "Bitte bestätigen Sie die Nutzungsbedingungen und die Datenschutzerklärung und "
        "beauftragen Sie die Übermittlung Ihrer Profildaten."
    )


class KeyNotConfirmed(DomainError):
    default_message = (
        "Der eingegebene Schlüssel stimmt nicht mit dem angezeigten Sicherheitsschlüssel "
        "überein. Bitte übertragen Sie ihn Zeichen für Zeichen."
    )


class WrongSecurityKey(DomainError):
    default_message = (
        "Dieser Sicherheitsschlüssel gehört nicht zu Ihrer Gesundheitsakte. Er ist richtig "
        "geschrieben, aber es ist ein anderer Schlüssel. Bitte nehmen Sie den Schlüssel aus "
        "Ihrem Notfall-Kit."
    )


class UnknownDevice(DomainError):
    default_message = (
        "Dieses Gerät ist für Ihre Gesundheitsakte noch nicht eingerichtet. Bitte schalten "
        "Sie es mit Ihrem Sicherheitsschlüssel frei."
    )


class WeakDevicePassword(DomainError):
    default_message = "Das Geräte-Passwort muss mindestens 8 und höchstens 128 Zeichen lang sein."


class QuotaExceeded(DomainError):
    default_message = "Der Speicherplatz Ihrer Gesundheitsakte (1 GB) reicht dafür nicht aus."


class EntryNotFound(DomainError):
    default_message = "Der Eintrag wurde nicht gefunden."


class InvalidEntry(DomainError):
    default_message = "Der Eintrag ist unvollständig."


class RecordNotFound(DomainError):
    # The same answer for "no such number" and "terminated": reveals nothing more.
    default_message = "Zu dieser Referenznummer gibt es keine aktive Gesundheitsakte."


class TerminationNotConfirmed(DomainError):
    default_message = "Bitte bestätigen Sie die Kündigung, indem Sie KÜNDIGEN eingeben."


class WrongDevicePassword(DecryptionFailed):
    """A wrong device password; the message says how many tries are left."""

    default_message = "Das Geräte-Passwort ist nicht richtig."


class DevicePasswordLocked(DomainError):
    default_message = (
        "Das Geräte-Passwort wurde zu oft falsch eingegeben und ist auf diesem Gerät gesperrt. "
        "Entsperren Sie Ihre Akte mit Ihrem Sicherheitsschlüssel aus dem Notfall-Kit; dabei "
        "legen Sie ein neues Geräte-Passwort fest."
    )
