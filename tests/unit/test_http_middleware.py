"""The browser binding and the security headers, on a bare ASGI app behind the middleware."""

import hashlib

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient

from core.http import cookies
from core.http.middleware import BrowserBinding, SecurityHeaders


async def _echo(request):
    return JSONResponse({"binding": request.headers.getlist(cookies.BINDING_HEADER)})


async def _echo_socket(websocket):
    await websocket.accept()
    await websocket.send_json({"binding": websocket.headers.getlist(cookies.BINDING_HEADER)})
    await websocket.close()


def _client(**kwargs) -> TestClient:
    app = Starlette(routes=[Route("/", _echo), WebSocketRoute("/ws", _echo_socket)])
    return TestClient(SecurityHeaders(BrowserBinding(app)), **kwargs)


def _binding(browser_id: str) -> str:
    return cookies.browser_binding(browser_id)


def test_a_new_browser_gets_an_httponly_strict_browser_cookie_once():
    client = _client()
    first = client.get("/")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("hek_browser=")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="):
        assert attribute in cookie
    assert "Secure" not in cookie  # plain HTTP
    browser_id = client.cookies["hek_browser"]
    assert len(browser_id) >= 43  # 256 random bits

    again = client.get("/")
    assert "set-cookie" not in again.headers
    assert again.json() == {"binding": [_binding(browser_id)]}


def test_over_tls_the_cookie_is_secure_with_the_host_prefix_and_hsts_is_sent():
    response = _client(base_url="https://portal.example").get("/")
    assert response.headers["set-cookie"].startswith("__Host-hek_browser=")
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_a_client_cannot_choose_its_binding_by_sending_the_header_itself():
    client = _client()
    forged = hashlib.sha256(b"the victim's browser").hexdigest()
    client.cookies.set("hek_browser", "mine")
    response = client.get("/", headers={cookies.BINDING_HEADER: forged})
    assert response.json() == {"binding": [_binding("mine")]}

    with client.websocket_connect("/ws", headers={cookies.BINDING_HEADER: forged}) as socket:
        assert socket.receive_json() == {"binding": [_binding("mine")]}


def test_a_websocket_without_the_browser_cookie_is_bound_to_nobody():
    with _client().websocket_connect("/ws") as socket:
        assert socket.receive_json() == {"binding": [""]}


def test_security_headers_on_every_response():
    headers = _client().get("/").headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self' 'sha256-" in policy  # no remote scripts, index.html's hash
    assert "http:" not in policy and "https:" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert "microphone=()" in headers["permissions-policy"]
    assert "strict-transport-security" not in headers


def test_the_binding_is_a_hash_of_the_cookie_never_the_cookie_nor_the_device_hash():
    assert _binding("abc") not in ("abc", hashlib.sha256(b"abc").hexdigest())
    assert len(_binding("abc")) == 64
    assert _binding("") == ""
