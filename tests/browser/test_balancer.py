"""A real balancer: nginx with TLS in front of two portal processes on one PostgreSQL
database, configured by deploy/nginx-portal.conf exactly as committed (placeholders filled in).

A browser stays on its process: its websocket, uploads and file links live in that process's
memory. Which process a browser sits on is read from the operating system, not from the app:
the portal process that holds the browser's websocket has an established TCP connection from
nginx on its port (nginx keeps no idle connections to the portals, so a page's websocket is
the only lasting one). nginx's access log names the process that answered each request.
"""

import contextlib
import os
import pwd
import re
import secrets
import signal
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fpdf import FPDF
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, func, select

from core.db import make_engine
from core.health import migrate as health_migrate
from core.models.accounts import UserAccount
from core.models.documents import Submission
from core.seed import seed_demo
from core.settings import SECRET_GENERATORS
from tests.browser.helpers import (
    STARTUP_SECONDS,
    WAIT_MS,
    screenshot,
    sidebar_nav,
    sign_in,
    wait_until_shown,
)
from tests.conftest import fresh_postgres_url
from tests.portal_process import PROJECT_ROOT, free_port, portal_environment, portal_process

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

NGINX = Path("/usr/sbin/nginx")
SITE = PROJECT_ROOT / "deploy" / "nginx-portal.conf"
WAIT_SECONDS = WAIT_MS / 1000
# What Debian's /etc/nginx/nginx.conf puts around conf.d/, here under the test's own prefix:
# nginx runs as this test's child (daemon off), never as the system service.
MAIN_CONFIG = """\
{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{
    worker_connections 512;
}}
http {{
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/hek-portal.conf;
}}
"""


@dataclass(frozen=True)
class Balancer:
    url: str
    access_log: Path
    tls: ssl.SSLContext

    def routes(self) -> list[tuple[str, str, str]]:
        """(request kind, route, the process that answered) per access log line."""
        found = []
        for line in self.access_log.read_text().splitlines():
            _, _, kind, _, route, upstream = line.split(" ", 5)
            answered = upstream.removeprefix("upstream=").split(", ")[-1]
            found.append((kind, route.removeprefix("route="), answered))
        return found

    def get(self, path: str, *, browser_id: str | None = None) -> str:
        headers = {"Cookie": f"__Host-hek_browser={browser_id}"} if browser_id else {}
        request = urllib.request.Request(f"{self.url}/{path}", headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, context=self.tls, timeout=10) as response:  # noqa: S310
            return response.read().decode()

    def route_of(self, browser_id: str) -> str:
        """The process nginx sends this browser to, as its access log tells for one probe."""
        before = len(self.routes())
        assert self.get("healthz", browser_id=browser_id) == "ok"

        def logged() -> list[str]:
            return [a for kind, _, a in self.routes()[before:] if kind == "healthz"]

        (answered,) = wait_for(logged, "the probe's access log line")
        return answered


def wait_for(condition: Callable[[], object], what: str, seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)
    return result


def nginx_connections(port: int) -> set[int]:
    """nginx's ends (their ports) of the established connections to a portal's port."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:  # 01: ESTABLISHED
            found.add(int(remote.rsplit(":", 1)[1], 16))
    return found


def websocket_holder(ports: list[int], *, not_before: set[int] = frozenset()) -> tuple[int, int]:
    """(portal port, nginx's port) of the one websocket the page holds, once exactly one
    connection other than `not_before` (an earlier page's, closing) is open."""

    def held() -> list[tuple[int, int]]:
        return [(port, end) for port in ports for end in nginx_connections(port) - not_before]

    def one_and_steady() -> tuple[int, int] | None:
        first = held()
        if len(first) != 1:
            return None
        time.sleep(1)  # not a request that was just finishing
        return first[0] if held() == first else None

    return wait_for(one_and_steady, "the page's websocket to a portal process")


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    certificate, key = directory / "portal.crt", directory / "portal.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


@contextlib.contextmanager
def nginx(workdir: Path, portal_ports: list[int]) -> Iterator[Balancer]:
    """nginx with deploy/nginx-portal.conf on a free loopback port, in its own process group."""
    prefix = workdir / "nginx"
    prefix.mkdir()
    certificate, key = self_signed_certificate(prefix)
    port = free_port()
    site = SITE.read_text()
    for placeholder, value in {
        "@SERVER_NAME@": "127.0.0.1",
        "@LISTEN@": f"127.0.0.1:{port}",
        "@CERTIFICATE@": str(certificate),
        "@CERTIFICATE_KEY@": str(key),
        "@PORTAL_1@": f"127.0.0.1:{portal_ports[0]}",
        "@PORTAL_2@": f"127.0.0.1:{portal_ports[1]}",
        "@ACCESS_LOG@": str(prefix / "access.log"),
    }.items():
        site = site.replace(placeholder, value)
    assert not re.search(r"@[A-Z_0-9]+@", site), "a placeholder was left unfilled"
    (prefix / "hek-portal.conf").write_text(site)
    # as root, workers would otherwise run as nobody, who cannot enter the test's temp dir
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(MAIN_CONFIG.format(user=user, prefix=prefix))
    command = [str(NGINX), "-p", str(prefix), "-e", str(prefix / "error.log")]
    command += ["-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    with (prefix / "stderr.log").open("w") as output:
        server = subprocess.Popen(command, stderr=output, start_new_session=True)
    try:
        balancer = Balancer(
            f"https://127.0.0.1:{port}",
            prefix / "access.log",
            ssl.create_default_context(cafile=str(certificate)),
        )

        def answers() -> bool:
            assert server.poll() is None, (prefix / "error.log").read_text()
            with contextlib.suppress(OSError):
                return balancer.get("healthz") == "ok"
            return False

        wait_for(answers, "nginx to answer")
        yield balancer
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # fast shutdown, open websockets too
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _sick_note(path: Path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=24)
    document.cell(text="Arbeitsunfaehigkeitsbescheinigung")
    path.write_bytes(bytes(document.output()))


def _open_send_page(page: Page) -> None:
    sidebar_nav(page).get_by_role("link", name="Dokument senden").click()
    wait_until_shown(page, page.get_by_role("heading", name="Dokument senden", level=1))


def _history_rows(page: Page, tracking_id: str):
    wait_until_shown(page, page.get_by_role("heading", name="Versandhistorie"))
    return page.get_by_role("table").get_by_role("row").filter(has_text=tracking_id)


def _lenas_submissions(engine) -> int:
    with Session(engine) as session:
        lena = session.exec(select(UserAccount).where(UserAccount.username == "lena.basic")).one()
        return session.exec(
            select(func.count())
            .select_from(Submission)
            .where(Submission.member_id == lena.member_id)
        ).one()


@pytest.mark.skipif(not NGINX.exists(), reason="nginx is missing: bash scripts/system-deps.sh")
def test_a_browser_stays_on_its_process_behind_nginx_and_survives_its_restart(
    chromium: Browser, tmp_path
):
    # the release step: both databases migrated once, before any process starts
    database_url = fresh_postgres_url()
    engine = make_engine(database_url)
    seed_demo(engine, members=5)
    health_url = f"sqlite:///{tmp_path / 'smarthealth.db'}"
    health_engine = make_engine(health_url)
    health_migrate.upgrade(health_engine)
    health_engine.dispose()
    sent_before = _lenas_submissions(engine)
    pdf = tmp_path / "au.pdf"
    _sick_note(pdf)
    shared = {f"HEK_{name.upper()}": generate() for name, generate in SECRET_GENERATORS.items()}

    def environment(name: str, log: str) -> tuple[dict[str, str], Path]:
        data_dir = tmp_path / name
        data_dir.mkdir(exist_ok=True)
        env = portal_environment(
            database_url=database_url,
            data_dir=data_dir,
            HEALTH_DATABASE_URL=health_url,
            **shared,
        )
        return env, data_dir / log

    with contextlib.ExitStack() as processes:
        lifetimes = {name: processes.enter_context(contextlib.ExitStack()) for name in "ab"}
        ports = [
            lifetimes[name]
            .enter_context(
                portal_process(*environment(name, "streamlit.log"), startup_seconds=STARTUP_SECONDS)
            )
            .port
            for name in "ab"
        ]
        address = {port: f"127.0.0.1:{port}" for port in ports}
        balancer = processes.enter_context(nginx(tmp_path, ports))
        assert balancer.get("readyz") == "ready"

        # The route is the browser cookie: one browser always reaches the same process, and
        # browsers spread over both (all 32 on one by chance: 1 in 10 million at 60:40).
        spread = set()
        for _ in range(32):
            browser_id = secrets.token_urlsafe(32)
            first = balancer.route_of(browser_id)
            assert balancer.route_of(browser_id) == first
            spread.add(first)
        assert spread == set(address.values()), "every browser went to one process"

        probed = len(balancer.routes())
        context = chromium.new_context(
            viewport={"width": 1366, "height": 900}, locale="de-DE", ignore_https_errors=True
        )
        processes.callback(context.close)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(balancer.url)
        sign_in(page, "lena.basic")
        wait_until_shown(page, "Hallo Lena!")
        home, websocket = websocket_holder(ports)

        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert set(cookies) >= {"__Host-hek_session", "__Host-hek_browser"}
        assert not {"hek_session", "hek_browser"} & set(cookies)  # no name without __Host-
        for name in ("__Host-hek_session", "__Host-hek_browser"):
            assert cookies[name]["secure"] and cookies[name]["httpOnly"], name
            assert cookies[name]["sameSite"] == "Strict" and cookies[name]["path"] == "/", name
        browser_id = cookies["__Host-hek_browser"]["value"]
        assert balancer.route_of(browser_id) == address[home]
        response = page.request.get(balancer.url)
        assert response.headers["strict-transport-security"].startswith("max-age=")

        page.reload()
        wait_until_shown(page, "Hallo Lena!")  # still signed in
        home_again, websocket = websocket_holder(ports, not_before={websocket})
        assert home_again == home

        _open_send_page(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(pdf))
        wait_until_shown(page, page.get_by_role("heading", name="Vorschau"))
        page.get_by_role("button", name="Senden").click()
        wait_until_shown(page, page.get_by_text("Ihre Tracking-ID:"))
        tracking_id = page.locator('[data-testid="stCode"] code').first.inner_text().strip()
        expect(_history_rows(page, tracking_id)).to_have_count(1)
        screenshot(page, "balancer-1-sent-through-nginx")
        browser_routes = balancer.routes()[probed:]
        assert ("upload", "cookie", address[home]) in browser_routes
        assert ("file", "cookie", address[home]) in browser_routes  # the preview's image
        assert {answered for _, route, answered in browser_routes if route == "cookie"} == {
            address[home]
        }, "a request with the browser cookie reached the other process"

        # Restart the browser's process. While it is down, the page's websocket reconnects
        # through nginx to the other process; the member's next click runs there, in a new
        # Streamlit session that finds the session cookie: still signed in.
        home_name = "ab"[ports.index(home)]
        lifetimes[home_name].close()
        (other,) = set(ports) - {home}
        _, websocket = websocket_holder([other], not_before={websocket})
        sidebar_nav(page).get_by_role("link", name="Start").click()
        wait_until_shown(page, "Hallo Lena!")
        _open_send_page(page)
        expect(_history_rows(page, tracking_id)).to_have_count(1)
        screenshot(page, "balancer-2-on-the-other-process")

        lifetimes[home_name].enter_context(
            portal_process(
                *environment(home_name, "streamlit-restarted.log"),
                startup_seconds=STARTUP_SECONDS,
                port=home,
            )
        )
        # nginx tries a failed process again after fail_timeout (10 s); from then on the
        # hash sends the browser home again
        wait_for(
            lambda: balancer.route_of(browser_id) == address[home],
            "nginx to route the browser to its restarted process",
        )
        page.reload()
        # A process's first run starts on Start (a deep link needs Home.py to have run
        # once: test_browser_fresh_server.py); the member is still signed in.
        wait_until_shown(page, "Hallo Lena!")
        back_home, _ = websocket_holder(ports, not_before={websocket})
        assert back_home == home
        _open_send_page(page)
        expect(_history_rows(page, tracking_id)).to_have_count(1)
        expect(page.get_by_role("button", name="Anmelden")).to_have_count(0)
        screenshot(page, "balancer-3-back-on-the-restarted-process")

    assert _lenas_submissions(engine) == sent_before + 1
    engine.dispose()
