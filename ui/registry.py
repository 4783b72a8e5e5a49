"""Every screen of the portal, with who may open it. Home.py builds navigation from this."""

from dataclasses import dataclass

from core.models.accounts import Role
from core.models.people import ServiceLevel
from core.settings import get_settings

LEVEL_RANK = {ServiceLevel.BASIC: 0, ServiceLevel.SMART: 1, ServiceLevel.SMARTHEALTH: 2}


@dataclass(frozen=True)
class Screen:
    path: str  # file under pages/
    title: str
    icon: str
    section: str
    roles: frozenset[Role]
    min_level: ServiceLevel = ServiceLevel.BASIC  # members only
    default: bool = False
    public: bool = False  # also reachable without login (e.g. "Bescheinigung prüfen")
    demo_only: bool = False  # registered only in demo mode (personas, tours, reset)
    signed_out_only: bool = False  # public, but not for the signed-in ("Passwort vergessen")

    @property
    def url_path(self) -> str:
        return self.path.removeprefix("pages/").removesuffix(".py")


MEMBER = frozenset({Role.MEMBER})
STAFF = frozenset({Role.CLERK, Role.ADMIN})
ADMIN = frozenset({Role.ADMIN})
EVERYONE = frozenset(Role)

SCREENS: tuple[Screen, ...] = (
    # Member portal
    Screen("pages/member_home.py", "Start", ":material/home:", "Service", MEMBER, default=True),
    Screen(
        "pages/member_send_document.py",
        "Dokument senden",
        ":material/upload_file:",
        "Service",
        MEMBER,
    ),
    Screen(
        "pages/member_certificates.py",
        "Bescheinigungen anfordern",
        ":material/verified:",
        "Service",
        MEMBER,
    ),
    Screen("pages/member_downloads.py", "Downloadcenter", ":material/download:", "Service", MEMBER),
    Screen(
        "pages/member_benefits.py",
        "Leistungen & Services",
        ":material/medical_services:",
        "Service",
        MEMBER,
    ),
    Screen(
        "pages/member_health_card.py", "Gesundheitskarte", ":material/id_card:", "Service", MEMBER
    ),
    Screen("pages/member_profile.py", "Meine Daten", ":material/person:", "Profil", MEMBER),
    Screen(
        "pages/member_family.py",
        "Familienmitglieder",
        ":material/family_restroom:",
        "Profil",
        MEMBER,
    ),
    # FAQ "Jetzt zu smart wechseln": identification through Nect Wallet (Robo-Ident or eID)
    Screen(
        "pages/member_identification.py",
        "Zu smart wechseln",
        ":material/how_to_reg:",
        "Profil",
        MEMBER,
    ),
    # smart (FAQ: contact and bank data, communication, insurance periods and earnings)
    Screen(
        "pages/member_contact.py",
        "Kontaktdaten",
        ":material/contact_mail:",
        "Profil",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    Screen(
        "pages/member_communication.py",
        "Kommunikation/Mitteilungen",
        ":material/notifications:",
        "Profil",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    # smart: registered devices and app PINs (FAQ: two factors, device change)
    Screen(
        "pages/member_devices.py",
        "Geräte & Sicherheit",
        ":material/phonelink_lock:",
        "Profil",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    Screen(
        "pages/member_insurance_history.py",
        "Versicherungszeiten & Entgelte",
        ":material/timeline:",
        "Versicherung",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    # smart: digital insurance card and bonus programme Vorsorgeplus (FAQ)
    Screen(
        "pages/member_digital_card.py",
        "Digitaler Versicherungsausweis",
        ":material/badge:",
        "Service",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    Screen(
        "pages/member_bonus.py",
        "Bonusprogramm",
        ":material/redeem:",
        "Service",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    # smart: Postfach with letters and replies, Messenger (FAQ "Digitaler Briefversand")
    Screen(
        "pages/member_postbox.py",
        "Postfach",
        ":material/mail:",
        "Postfach",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    Screen(
        "pages/member_messenger.py",
        "Messenger",
        ":material/chat:",
        "Postfach",
        MEMBER,
        min_level=ServiceLevel.SMART,
    ),
    # smarthealth add-on (FAQ): the member's end-to-end encrypted health record
    Screen(
        "pages/health_record.py",
        "Gesundheitsakte",
        ":material/health_metrics:",
        "smarthealth",
        MEMBER,
        min_level=ServiceLevel.SMART,  # smart members reach the activation here (eID checked)
    ),
    Screen(
        "pages/health_settings.py",
        "Einstellungen & Vertrag",
        ":material/manage_accounts:",
        "smarthealth",
        MEMBER,
        min_level=ServiceLevel.SMARTHEALTH,
    ),
    # Back-office
    Screen(
        "pages/clerk_home.py",
        "Übersicht",
        ":material/dashboard:",
        "Back-Office",
        STAFF,
        default=True,
    ),
    Screen("pages/clerk_inbox.py", "Posteingang", ":material/inbox:", "Back-Office", STAFF),
    Screen("pages/clerk_members.py", "Versicherte", ":material/groups:", "Back-Office", STAFF),
    Screen("pages/clerk_messages.py", "Nachrichten", ":material/forum:", "Back-Office", STAFF),
    Screen("pages/clerk_letters.py", "Schreiben", ":material/contract_edit:", "Back-Office", STAFF),
    Screen(
        "pages/clerk_certificates.py",
        "Bescheinigungen",
        ":material/workspace_premium:",
        "Back-Office",
        STAFF,
    ),
    Screen(
        "pages/clerk_benefits.py",
        "Leistungskatalog",
        ":material/menu_book:",
        "Back-Office",
        STAFF,
    ),
    Screen(
        "pages/clerk_bonus.py",
        "Bonusnachweise",
        ":material/fact_check:",
        "Back-Office",
        STAFF,
    ),
    # KV-Connect stand-in: a practice sends a letter into a record (write-only, no reading)
    Screen(
        "pages/health_kv_connect.py",
        "KV-Connect (Praxis)",
        ":material/send:",
        "Back-Office",
        STAFF,
    ),
    # Product owners
    Screen(
        "pages/admin_accounts.py",
        "Konten & Audit",
        ":material/admin_panel_settings:",
        "Admin",
        ADMIN,
    ),
    Screen("pages/admin_dashboard.py", "Kennzahlen", ":material/monitoring:", "Back-Office", STAFF),
    Screen(
        "pages/admin_personas.py",
        "Demo-Personas",
        ":material/theater_comedy:",
        "Admin",
        ADMIN,
        demo_only=True,
    ),
    Screen(
        "pages/admin_tour.py", "Geführte Touren", ":material/tour:", "Admin", ADMIN, demo_only=True
    ),
    # Everyone signed in
    Screen("pages/account.py", "Anmeldung & Sitzungen", ":material/key:", "Konto", EVERYONE),
    Screen("pages/privacy.py", "Datenschutz", ":material/privacy_tip:", "mehr", EVERYONE),
    # Everyone, also without login
    Screen(
        "pages/password_reset.py",
        "Passwort vergessen",
        ":material/lock_reset:",
        "Konto",
        EVERYONE,
        public=True,
        signed_out_only=True,
    ),
    Screen(
        "pages/verify_certificate.py",
        "Bescheinigung prüfen",
        ":material/verified_user:",
        "mehr",
        EVERYONE,
        public=True,
    ),
)


def may_open(screen: Screen, *, role: Role, service_level: str | None) -> bool:
    if screen.signed_out_only:  # signed in, the password is changed under "Passwort ändern"
        return False
    if screen.public:
        return True
    if role not in screen.roles:
        return False
    if role == Role.MEMBER:
        level = ServiceLevel(service_level or ServiceLevel.BASIC)
        return LEVEL_RANK[level] >= LEVEL_RANK[screen.min_level]
    return True


def available_screens() -> list[Screen]:
    """Every screen this server registers: demo-only screens do not exist outside demo mode."""
    demo = get_settings().demo_mode
    return [screen for screen in SCREENS if demo or not screen.demo_only]


def public_screens() -> list[Screen]:
    return [screen for screen in available_screens() if screen.public]


def screens_for(*, role: Role, service_level: str | None) -> list[Screen]:
    return [
        screen
        for screen in available_screens()
        if may_open(screen, role=role, service_level=service_level)
    ]


def default_screen(*, role: Role) -> Screen:
    """Admins land on the back-office overview, like clerks."""
    return next(screen for screen in SCREENS if screen.default and role in screen.roles)
