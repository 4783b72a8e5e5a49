"""Every screen of the portal, with who may open it. Home.py builds navigation from this."""

from dataclasses import dataclass

from core.models.accounts import Role
from core.models.people import ServiceLevel

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
    Screen("pages/member_profile.py", "Meine Daten", ":material/person:", "Profil", MEMBER),
    Screen(
        "pages/member_family.py",
        "Familienmitglieder",
        ":material/family_restroom:",
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
    Screen(
        "pages/member_insurance_history.py",
        "Versicherungszeiten & Entgelte",
        ":material/timeline:",
        "Versicherung",
        MEMBER,
        min_level=ServiceLevel.SMART,
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
    # Product owners
    Screen(
        "pages/admin_accounts.py",
        "Konten & Audit",
        ":material/admin_panel_settings:",
        "Admin",
        ADMIN,
    ),
    # Everyone signed in
    Screen("pages/account.py", "Passwort ändern", ":material/key:", "Konto", EVERYONE),
    Screen("pages/privacy.py", "Datenschutz", ":material/privacy_tip:", "mehr", EVERYONE),
)


def may_open(screen: Screen, *, role: Role, service_level: str | None) -> bool:
    if screen.public:
        return True
    if role not in screen.roles:
        return False
    if role == Role.MEMBER:
        level = ServiceLevel(service_level or ServiceLevel.BASIC)
        return LEVEL_RANK[level] >= LEVEL_RANK[screen.min_level]
    return True


def public_screens() -> list[Screen]:
    return [screen for screen in SCREENS if screen.public]


def screens_for(*, role: Role, service_level: str | None) -> list[Screen]:
    return [
        screen for screen in SCREENS if may_open(screen, role=role, service_level=service_level)
    ]


def default_screen(*, role: Role) -> Screen:
    """Admins land on the back-office overview, like clerks."""
    return next(screen for screen in SCREENS if screen.default and role in screen.roles)
