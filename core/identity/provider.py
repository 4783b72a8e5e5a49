"""What the portal needs from an identification partner, and the steps of each procedure.

FAQ: "Der Registrierungsprozess über Nect Wallet läuft in drei Schritten ab."
  Robo-Ident: film the front of the ID card, photograph its back, a selfie video reading two words.
  eID:        film the front, scan the card and enter the 6-digit card PIN, scan it a second time.

A real provider (the Nect Wallet API) implements `IdentityProvider`; the portal's services
only talk to this Protocol, so the simulation in core.identity.nect_simulation can be
replaced without touching them.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from core.models.identity import IdentificationProcedure

if TYPE_CHECKING:  # core.uploads pulls in Pillow and fpdf; the router imports this module
    from core.uploads import IncomingFile


class Step(StrEnum):
    ID_FRONT = "id_front"
    ID_BACK = "id_back"
    SELFIE = "selfie"
    EID_PIN = "eid_pin"
    EID_RESCAN = "eid_rescan"


STEPS: dict[str, tuple[Step, ...]] = {
    IdentificationProcedure.ROBO: (Step.ID_FRONT, Step.ID_BACK, Step.SELFIE),
    IdentificationProcedure.EID: (Step.ID_FRONT, Step.EID_PIN, Step.EID_RESCAN),
}

STEP_TITLES: dict[Step, str] = {
    Step.ID_FRONT: "Vorderseite des Ausweises filmen",
    Step.ID_BACK: "Rückseite des Ausweises fotografieren",
    Step.SELFIE: "Selfie-Video: zwei Wörter ablesen",
    Step.EID_PIN: "Ausweis scannen und 6-stellige Ausweis-PIN eingeben",
    Step.EID_RESCAN: "Ausweis ein zweites Mal scannen",
}

PROCEDURE_LABELS: dict[str, str] = {
    IdentificationProcedure.ROBO: "Robo-Ident (nur für smart)",
    IdentificationProcedure.EID: "eID mit Online-Ausweisfunktion (für smart und smarthealth)",
}


@dataclass(frozen=True)
class Evidence:
    """What the member handed over for one step; only what that step needs is set."""

    upload: "IncomingFile | None" = field(default=None, repr=False)
    words_read: str = ""
    pin: str = field(default="", repr=False)
    card_held: bool = False


class IdentityProvider(Protocol):
    """An identification partner. Each check returns None or raises StepRefused.

    `verify_eid_pin` raises WrongEidPin for a PIN the card refuses; the service counts them.
    """

    name: str

    def challenge_words(self) -> tuple[str, str]:
        """Two words the member reads aloud in the selfie video (Robo-Ident)."""
        ...

    def check_id_image(self, *, side: Step, upload: "IncomingFile | None") -> None:
        """The front (filmed) or back (photographed) of the ID card."""
        ...

    def check_selfie(
        self, *, upload: "IncomingFile | None", words_shown: tuple[str, str], words_read: str
    ) -> None:
        """The selfie video in which the member reads the two words."""
        ...

    def scan_eid_card(self, *, card_held: bool) -> None:
        """The NFC read of the ID card (eID steps 2 and 3)."""
        ...

    def verify_eid_pin(self, *, pin: str) -> None:
        """The card checks its 6-digit PIN (the format was checked before)."""
        ...


class WrongEidPin(Exception):
    """The card refused the PIN (raised by providers, turned into German by the service)."""
