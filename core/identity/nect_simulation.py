"""A simulated Nect Wallet: the steps are real, the checks behind them are stand-ins.

What is simulated, said plainly:
- ID card images pass through the portal's upload checks (type by content, size, pixels) and
  must be large enough to show a card; nobody reads or compares the card's data.
- The selfie video (or a photo) is only checked to be a video or image file; the two words
  are confirmed by the member typing them, not by speech recognition.
- The eID card is "scanned" by ticking a box; its PIN is any 6 digits except 000000, which
  the simulated card refuses (three refusals block the card, as a real one does).
Nothing the member hands over is stored. Only demo mode offers this provider.
"""

import secrets
from typing import TYPE_CHECKING

from core.identity.errors import StepRefused
from core.identity.provider import Step, WrongEidPin

if TYPE_CHECKING:
    from core.uploads import IncomingFile

# A wrong card PIN, for trying the refusal path in the demo.
SIMULATED_WRONG_PIN = "000000"
# Smaller than this, a photo cannot show an ID card legibly (a card is 85.6 x 54 mm).
MIN_CARD_WIDTH = 400
MIN_CARD_HEIGHT = 250
IMAGE_KINDS = frozenset({"jpeg", "png", "heic"})

# Short, unambiguous German words that are easy to read aloud.
WORDS: tuple[str, ...] = (
    "Apfel", "Ampel", "Anker", "Banane", "Birke", "Blume", "Brücke", "Burg", "Dach",
    "Drache", "Eimer", "Fahrrad", "Feder", "Fenster", "Flöte", "Garten", "Gitarre", "Glocke",
    "Hafen", "Hammer", "Honig", "Insel", "Kamel", "Kerze", "Kirsche", "Koffer", "Krone",
    "Lampe", "Leiter", "Löwe", "Mantel", "Möwe", "Mühle", "Nebel", "Orange", "Palme",
    "Pinsel", "Quelle", "Regen", "Ritter", "Rose", "Sattel", "Schiff", "Sonne", "Spiegel",
    "Tanne", "Teller", "Tiger", "Tulpe", "Vogel", "Wagen", "Wolke", "Zebra", "Zitrone",
)  # fmt: skip


def _video_kind(data: bytes) -> str | None:
    """MP4 and QuickTime carry 'ftyp' at offset 4; WebM/Matroska start with EBML's magic."""
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


def normalise_words(text: str) -> tuple[str, ...]:
    return tuple(word.casefold() for word in (text or "").replace(",", " ").split())


class SimulatedNectWallet:
    """Implements core.identity.provider.IdentityProvider without a partner behind it."""

    name = "Nect Wallet (Simulation)"

    def challenge_words(self) -> tuple[str, str]:
        first, second = secrets.SystemRandom().sample(WORDS, 2)
        return first, second

    def check_id_image(self, *, side: Step, upload: "IncomingFile | None") -> None:
        from core.uploads import UploadLimits, UploadRejected, check_file  # Pillow: load late

        label = "Vorderseite" if side == Step.ID_FRONT else "Rückseite"
        if upload is None:
            raise StepRefused("missing_file", f"Bitte laden Sie ein Bild der {label} hoch.")
        try:
            image = check_file(upload, limits=UploadLimits(allowed_kinds=IMAGE_KINDS))
        except UploadRejected as rejected:
            raise StepRefused(rejected.code, rejected.message) from rejected
        width, height = sorted((image.width or 0, image.height or 0), reverse=True)
        if width < MIN_CARD_WIDTH or height < MIN_CARD_HEIGHT:
            raise StepRefused(
                "card_not_readable",
                f"Die {label} Ihres Ausweises ist auf dem Bild nicht lesbar (zu klein). Bitte "
                "nehmen Sie den Ausweis formatfüllend und bei guter Beleuchtung auf.",
            )

    def check_selfie(
        self, *, upload: "IncomingFile | None", words_shown: tuple[str, str], words_read: str
    ) -> None:
        from core.uploads import UploadLimits, UploadRejected, check_file  # Pillow: load late

        if upload is None:
            raise StepRefused("missing_file", "Bitte laden Sie Ihr Selfie-Video hoch.")
        if _video_kind(upload.data) is None:
            try:
                check_file(upload, limits=UploadLimits(allowed_kinds=IMAGE_KINDS))
            except UploadRejected as rejected:
                if rejected.code != "unsupported_type":
                    raise StepRefused(rejected.code, rejected.message) from rejected
                raise StepRefused(
                    "unsupported_type",
                    "Bitte laden Sie ein kurzes Video (MP4, MOV oder WebM) oder ein Foto "
                    "(JPEG, PNG oder HEIC) hoch.",
                ) from rejected
        elif upload.size > UploadLimits().max_file_bytes:
            raise StepRefused(
                "too_large", "Das Video ist zu groß. Bitte nehmen Sie ein kürzeres Video auf."
            )
        if normalise_words(words_read) != normalise_words(" ".join(words_shown)):
            raise StepRefused(
                "words_mismatch",
                "Die abgelesenen Wörter stimmen nicht. Bitte lesen Sie die beiden angezeigten "
                "Wörter in der richtigen Reihenfolge ab.",
            )

    def scan_eid_card(self, *, card_held: bool) -> None:
        if not card_held:
            raise StepRefused(
                "card_not_found",
                "Der Ausweis wurde nicht erkannt. Halten Sie ihn ruhig an die Rückseite Ihres "
                "Smartphones und versuchen Sie es erneut.",
            )

    def verify_eid_pin(self, *, pin: str) -> None:
        if pin == SIMULATED_WRONG_PIN:
            raise WrongEidPin()
