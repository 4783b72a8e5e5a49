"""All configuration in one place, read from the environment and `.streamlit/secrets.toml`.

Demo mode (`HEK_MODE=demo`, what `make run` sets) generates missing secrets into `data/`
with file mode 0600. Outside demo mode a missing secret stops the app with a message that
names it.
"""

import os
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from core.errors import MissingSecrets

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HEK_DATA_DIR", PROJECT_ROOT / "data"))
SECRETS_TOML = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEMO_SECRETS_FILE = "demo-secrets.toml"


def _random_token() -> str:
    return secrets.token_urlsafe(32)


def _generate_kek() -> str:
    from core import crypto  # deferred: crypto is heavy and only needed when generating

    return crypto.kek_to_text(crypto.generate_kek("kek-1"))


def _generate_signing_key() -> str:
    from core import crypto

    return crypto.signing_key_to_text(crypto.generate_signing_key("sig-1"))


def _generate_audit_key() -> str:
    from core import crypto

    return crypto.audit_key_to_text(crypto.generate_audit_key("ak-1"))


# name -> generator used in demo mode. Environment variable is HEK_<NAME upper>.
SECRET_GENERATORS: dict[str, Callable[[], str]] = {
    "kek": _generate_kek,
    "signing_key": _generate_signing_key,
    "form_secret": _random_token,
    "audit_key": _generate_audit_key,
}


@dataclass(frozen=True)
class Settings:
    demo_mode: bool
    database_url: str
    health_database_url: str
    data_dir: Path
    idle_timeout_minutes: int = 15
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    bcrypt_rounds: int = 12
    max_file_bytes: int = 10 * 1024 * 1024
    max_submission_bytes: int = 20 * 1024 * 1024
    # A smart member's device confirmed by PIN from a browser it was not registered in: only
    # for the seeded demo personas (demo mode's default); never in production.
    device_pin_from_any_browser: bool = False


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _load_toml(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {key: str(value) for key, value in data.items() if isinstance(value, str | int)}


def _write_private_toml(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("# Generated in demo mode. Never commit, never use in production.\n")
        for key, value in sorted(values.items()):
            handle.write(f'{key} = "{value}"\n')
    os.chmod(path, 0o600)


def resolve_secrets(*, demo_mode: bool, data_dir: Path) -> dict[str, str]:
    """Environment first, then .streamlit/secrets.toml, then (demo only) data/demo-secrets.toml."""
    file_values = _load_toml(SECRETS_TOML)
    demo_file = data_dir / DEMO_SECRETS_FILE
    demo_values = _load_toml(demo_file) if demo_mode else {}
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for name, generate in SECRET_GENERATORS.items():
        value = os.environ.get(f"HEK_{name.upper()}") or file_values.get(name)
        if not value and demo_mode:
            value = demo_values.get(name)
            if not value:
                value = demo_values[name] = generate()
                _write_private_toml(demo_file, demo_values)
        if value:
            resolved[name] = value
        else:
            missing.append(f"HEK_{name.upper()}")
    if missing:
        raise MissingSecrets(
            "Der Start wurde abgebrochen: Es fehlen Geheimnisse außerhalb des Demo-Modus: "
            + ", ".join(missing)
            + ". Setzen Sie sie als Umgebungsvariablen oder in .streamlit/secrets.toml."
        )
    return resolved


@cache
def get_settings() -> Settings:
    demo_mode = os.environ.get("HEK_MODE", "production").lower() == "demo"
    data_dir = Path(os.environ.get("HEK_DATA_DIR", DATA_DIR))
    return Settings(
        demo_mode=demo_mode,
        database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'hek.db'}",
        health_database_url=os.environ.get("HEALTH_DATABASE_URL")
        or f"sqlite:///{data_dir / 'smarthealth.db'}",
        data_dir=data_dir,
        idle_timeout_minutes=_env_int("HEK_IDLE_TIMEOUT_MINUTES", 15),
        max_failed_logins=_env_int("HEK_MAX_FAILED_LOGINS", 5),
        lockout_minutes=_env_int("HEK_LOCKOUT_MINUTES", 15),
        bcrypt_rounds=_env_int("HEK_BCRYPT_ROUNDS", 12),
        max_file_bytes=_env_int("HEK_MAX_FILE_BYTES", 10 * 1024 * 1024),
        max_submission_bytes=_env_int("HEK_MAX_SUBMISSION_BYTES", 20 * 1024 * 1024),
        device_pin_from_any_browser=demo_mode
        and _env_int("HEK_DEMO_DEVICE_PIN_ANY_BROWSER", 1) == 1,
    )


@cache
def get_secrets() -> dict[str, str]:
    """Every secret, resolved once per process; raises MissingSecrets outside demo mode."""
    settings = get_settings()
    return resolve_secrets(demo_mode=settings.demo_mode, data_dir=settings.data_dir)


def get_secret(name: str) -> str:
    return get_secrets()[name]


def get_optional_secret(name: str) -> str | None:
    """A secret that may be absent (`old_keks`, `old_audit_keys` during a rotation): env, then
    secrets.toml."""
    return os.environ.get(f"HEK_{name.upper()}") or _load_toml(SECRETS_TOML).get(name) or None
