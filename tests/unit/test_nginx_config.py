"""deploy/nginx-portal.conf agrees with the portal it fronts, and the scaling guide shows it
as it is (tests/browser/test_balancer.py runs nginx with this file)."""

import re
import tomllib
from pathlib import Path

from core.http import cookies

ROOT = Path(__file__).parents[2]
SITE = (ROOT / "deploy" / "nginx-portal.conf").read_text()
STREAMLIT = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_the_route_is_the_browser_cookie_under_its_tls_name():
    browser_cookie = cookies.name(cookies.BROWSER, secure=True)  # __Host-hek_browser
    assert f"{browser_cookie}=(?<browser_id>" in SITE
    assert "hash $hek_browser consistent;" in SITE
    # nginx would read $cookie___Host-hek_browser as $cookie___Host plus text: one route for all
    directives = [line for line in SITE.splitlines() if not line.lstrip().startswith("#")]
    assert not any("$cookie_" in line for line in directives)


def test_nginx_takes_uploads_as_large_as_streamlit_does():
    (limit,) = re.findall(r"^\s*client_max_body_size (\d+)m;", SITE, flags=re.MULTILINE)
    assert int(limit) == STREAMLIT["server"]["maxUploadSize"]


def test_the_portal_learns_scheme_and_host_and_the_websocket_is_upgraded():
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in SITE
    # with $host the port goes, and Streamlit refuses a websocket whose Origin has one
    assert "proxy_set_header Host              $http_host;" in SITE
    assert "proxy_set_header Upgrade           $http_upgrade;" in SITE
    assert "location = /_stcore/stream {" in SITE


def test_the_scaling_guide_quotes_the_configuration_verbatim():
    guide = (ROOT / "docs" / "SCALING.md").read_text()
    assert f"```nginx\n{SITE}```" in guide
