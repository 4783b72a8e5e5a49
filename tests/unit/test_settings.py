import os
import stat

import pytest

from core.errors import MissingSecrets
from core.settings import SECRET_GENERATORS, resolve_secrets


@pytest.fixture
def no_secret_env(monkeypatch):
    for name in SECRET_GENERATORS:
        monkeypatch.delenv(f"HEK_{name.upper()}", raising=False)


def test_outside_demo_mode_missing_secrets_stop_the_start_and_are_named(tmp_path, no_secret_env):
    with pytest.raises(MissingSecrets) as refusal:
        resolve_secrets(demo_mode=False, data_dir=tmp_path)
    assert "HEK_KEK" in refusal.value.message
    assert "HEK_SIGNING_KEY" in refusal.value.message
    assert "HEK_AUDIT_KEY" in refusal.value.message
    assert not (tmp_path / "demo-secrets.toml").exists()


def test_demo_mode_generates_secrets_readable_only_by_the_owner(tmp_path, no_secret_env):
    first = resolve_secrets(demo_mode=True, data_dir=tmp_path)
    secrets_file = tmp_path / "demo-secrets.toml"
    assert stat.S_IMODE(os.stat(secrets_file).st_mode) == 0o600
    assert set(first) == set(SECRET_GENERATORS)
    assert resolve_secrets(demo_mode=True, data_dir=tmp_path) == first


def test_environment_wins_over_generated_secrets(tmp_path, monkeypatch, no_secret_env):
    generated = resolve_secrets(demo_mode=True, data_dir=tmp_path)
    monkeypatch.setenv("HEK_FORM_SECRET", "from-the-environment")
    resolved = resolve_secrets(demo_mode=True, data_dir=tmp_path)
    assert resolved["form_secret"] == "from-the-environment"
    assert resolved["kek"] == generated["kek"]
