"""The hardened Streamlit configuration stays hardened."""

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())


def test_error_details_are_hidden_from_users():
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_xsrf_protection_and_cors_are_on():
    assert CONFIG["server"]["enableXsrfProtection"] is True
    assert CONFIG["server"]["enableCORS"] is True


def test_upload_limit_is_set_to_one_submission():
    assert CONFIG["server"]["maxUploadSize"] == 20


def test_no_forced_full_garbage_collection_after_every_click():
    # ~0.2 s of held GIL per script run with our imports; every other session waited for it
    assert CONFIG["runner"]["postScriptGC"] is False


def test_usage_statistics_are_not_sent():
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_no_secrets_file_is_committed():
    root = Path(__file__).parents[2]
    ignored = (root / ".gitignore").read_text()
    assert ".streamlit/secrets.toml" in ignored
    assert "data/*" in ignored


def test_no_other_host_may_drive_the_portal_from_an_iframe():
    assert CONFIG["client"]["allowedOrigins"] == []


def test_streamlit_binds_each_session_to_the_browser_cookie_header():
    from core.http.cookies import BINDING_HEADER

    headers = {name.lower(): key for name, key in CONFIG["server"]["trustedUserHeaders"].items()}
    assert list(headers) == [BINDING_HEADER]
