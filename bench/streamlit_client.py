"""A light client of Streamlit's own websocket protocol, for load tests.

It speaks what the browser's frontend speaks: it fetches the XSRF cookie (and the portal's
browser cookie with it), opens `/_stcore/stream` with the token in the subprotocol header and
its cookies on the handshake, sends `BackMsg` protobufs (script reruns with widget states,
page changes, upload URL requests) and reads the `ForwardMsg` stream back into the elements
of the latest script run. Files go through the same `/_stcore/upload_file` route the
uploader uses. When a run renders the portal's redirect component (the sign-in hand-off, the
sign-out), it does what the component's JavaScript makes a browser do: it loads that URL with
its cookie jar and opens the page again, a new Streamlit session on the new cookies.

One client is one browser tab, at a small fraction of a browser's cost, so that a load test
on one machine measures the server rather than 20 Chromium renderers.
"""

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect

XSRF_COOKIE = "_streamlit_xsrf"
# ui/browser.py's component: its data {"url": "/..."} is where the page sends the browser.
REDIRECT_COMPONENT = "hek_redirect"
MAX_REDIRECTS = 5  # one action leads to at most this many page loads in a row
# app.py's on_script_error: what a person sees instead of a traceback
UNEXPECTED_ERROR = "Es ist ein unerwarteter Fehler aufgetreten"
# Fields of an Element that carry readable text, by element kind.
_TEXT_FIELDS = {
    "markdown": "body",
    "heading": "body",
    "code": "code_text",
    "alert": "body",
    "text": "body",
    "exception": "message",
}


class ProtocolError(Exception):
    """The server answered with something a user would see as broken."""


class StreamlitClient:
    """One browser tab: connect, then rerun the script with widget values, triggers or a page.

    `follow_redirects=False` is a browser without JavaScript: the redirect component is left
    on the page (handoff_url() finds it) for the caller to follow or not. `keep_messages`
    keeps every ForwardMsg frame as received, for tests that look for what a client was sent.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 90.0,
        follow_redirects: bool = True,
        keep_messages: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.follow_redirects = follow_redirects
        self.received: list[bytes] | None = [] if keep_messages else None
        self.session_id = ""
        self.pages: dict[str, str] = {}  # page title -> page_script_hash
        self._page_hash = ""
        self._elements: dict[tuple[int, ...], Element] = {}
        self._values: dict[str, WidgetState] = {}
        self._finished = asyncio.Event()
        self._upload_answers: dict[str, asyncio.Future] = {}
        # the browser's cookie jar: every request and every websocket handshake carries it
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout)
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._failure: BaseException | None = None

    # --- connection ---------------------------------------------------------------------

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies this browser holds for the portal, by name."""
        return {cookie.name: cookie.value for cookie in self._http.cookies.jar}

    def set_cookie(self, name: str, value: str) -> None:
        """Put a cookie into the jar (before connect): a copied or forged one."""
        self._http.cookies.set(name, value, domain=urlsplit(self.base_url).hostname or "")

    async def connect(self, *, resume_session_id: str | None = None) -> None:
        """What opening the page does: cookies, socket, first script run.

        `resume_session_id` is what the frontend passes after a dropped connection (the third
        subprotocol entry): the Streamlit session it wants to be re-attached to."""
        health = await self._http.get("/_stcore/health")  # also sets the browser cookie
        health.raise_for_status()
        await self._open_socket(resume_session_id)
        await self._run(ClientState(query_string="", page_name=""))

    async def _open_socket(self, resume_session_id: str | None) -> None:
        token = self._http.cookies[XSRF_COOKIE]
        # the frontend's way of passing the XSRF token and a session to resume
        subprotocols = ["streamlit", token, *([resume_session_id] if resume_session_id else [])]
        socket_url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self._socket = await connect(
            socket_url,
            subprotocols=subprotocols,
            origin=self.base_url,
            additional_headers={"Cookie": self._cookie_header()},
            max_size=None,
            compression=None,
        )
        self._reader = asyncio.create_task(self._read())

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def _close_socket(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._socket:
            await self._socket.close()
        self._reader = self._socket = None

    async def close(self) -> None:
        """Close the tab (the Streamlit session stays on the server for a while)."""
        await self._close_socket()
        await self._http.aclose()

    async def navigate(self, path: str) -> None:
        """Load a URL of the portal as the page does (window.location) and go on from there."""
        await self._load(path)
        if self.follow_redirects:
            await self._follow_redirects()

    async def _load(self, path: str) -> None:
        """The route answers, its redirects are followed with the cookie jar, and the page
        where they end opens on a new socket: a page load starts a new Streamlit session."""
        if not path.startswith("/"):
            raise ProtocolError(f"not a path of the portal: {path!r}")
        await self._close_socket()
        response = await self._http.get(path, follow_redirects=True)
        if response.status_code != 200:
            raise ProtocolError(f"{path.split('?')[0]} answered HTTP {response.status_code}")
        self._elements, self._values, self.pages = {}, {}, {}
        self._page_hash, self.session_id, self._failure = "", "", None
        await self._open_socket(None)
        landing = response.url  # the frontend asks for the page its address names
        state = ClientState(query_string=landing.query.decode(), page_name=landing.path.strip("/"))
        await self._run(state, follow=False)

    async def _follow_redirects(self) -> None:
        for _ in range(MAX_REDIRECTS):
            target = self.redirect_target()
            if target is None:
                return
            await self._load(target)
        raise ProtocolError(f"more than {MAX_REDIRECTS} redirects in a row")

    @property
    def connected(self) -> bool:
        reading = self._reader is not None and not self._reader.done()
        return reading and self._failure is None

    async def _read(self) -> None:
        try:
            async for frame in self._socket:
                if self.received is not None:
                    self.received.append(frame)
                self._apply(ForwardMsg.FromString(frame))
        except Exception as error:  # the socket broke: every waiter should hear of it
            self._failure = error
        else:
            self._failure = ProtocolError("the server closed the connection")
        self._finished.set()
        for answer in self._upload_answers.values():
            if not answer.done():
                answer.set_exception(self._failure)

    def _apply(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":  # a script run starts: its deltas replace the last run's
            self._elements = {}
            self._page_hash = msg.new_session.page_script_hash
            if msg.new_session.initialize.session_id:
                self.session_id = msg.new_session.initialize.session_id
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._elements[tuple(msg.metadata.delta_path)] = msg.delta.new_element
        elif kind == "navigation":
            self.pages = {  # what the sidebar lists; hidden pages are reached only by URL
                page.page_name: page.page_script_hash
                for page in msg.navigation.app_pages
                if not page.is_hidden
            }
        elif kind == "page_not_found":
            self._failure = ProtocolError(f"page not found: {msg.page_not_found.page_name}")
            self._finished.set()
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                self._finished.set()
            elif msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self._failure = ProtocolError("the script did not compile")
                self._finished.set()
            # FINISHED_EARLY_FOR_RERUN: st.rerun(); the next run follows on its own
        elif kind == "file_urls_response":
            answer = self._upload_answers.pop(msg.file_urls_response.response_id, None)
            if answer and not answer.done():
                answer.set_result(msg.file_urls_response)

    async def _send(self, message: BackMsg) -> None:
        if self._failure:
            raise ProtocolError(f"connection lost: {self._failure}") from self._failure
        await self._socket.send(message.SerializeToString())

    async def _run(self, state: ClientState, *, follow: bool = True) -> None:
        """Send one rerun request and wait until a script run has finished successfully;
        then, as the redirect component's JavaScript would, follow where it sends the page."""
        self._finished.clear()
        await self._send(BackMsg(rerun_script=state))
        await asyncio.wait_for(self._finished.wait(), self.timeout)
        if self._failure:
            raise ProtocolError(str(self._failure)) from self._failure
        if failure := self.exception():
            raise ProtocolError(f"the page shows an exception: {failure}")
        if failure := next((t for t in self.texts("alert") if UNEXPECTED_ERROR in t), None):
            raise ProtocolError(f"the page shows an error: {failure}")
        if follow and self.follow_redirects:
            await self._follow_redirects()

    # --- what the user does -------------------------------------------------------------

    async def rerun(self, *triggers: WidgetState, page_hash: str | None = None) -> None:
        on_page = set(self._widget_ids())
        states = [state for widget_id, state in self._values.items() if widget_id in on_page]
        if page_hash is not None:  # a new page starts with its own widgets
            states = []
        await self._run(
            ClientState(
                query_string="",
                page_name="",
                page_script_hash=page_hash if page_hash is not None else self._page_hash,
                widget_states=WidgetStates(widgets=[*states, *triggers]),
            )
        )

    async def open_page(self, title: str) -> None:
        """Click the page's entry in the navigation."""
        if title not in self.pages:
            raise ProtocolError(f"no page {title!r} in the navigation")
        await self.rerun(page_hash=self.pages[title])

    def type_text(self, label: str, value: str) -> None:
        """Fill a text field; like typing into a form, it is sent with the next run."""
        widget = self._widget(("text_input", "text_area"), label)
        self._values[widget.id] = WidgetState(id=widget.id, string_value=value)

    async def click(self, label: str) -> None:
        """Press a button (a form's submit button sends the form's fields along)."""
        button = self._widget(("button",), label)
        if button.disabled:
            raise ProtocolError(f"the button {label!r} is disabled")
        await self.rerun(WidgetState(id=button.id, trigger_value=True))

    async def upload(self, label: str, name: str, data: bytes, mime: str) -> None:
        """Choose a file in an uploader: ask for an upload URL, PUT the file, rerun."""
        uploader = self._widget(("file_uploader",), label)
        request_id = uuid.uuid4().hex
        answer = asyncio.get_running_loop().create_future()
        self._upload_answers[request_id] = answer
        await self._send(
            BackMsg(
                file_urls_request={
                    "request_id": request_id,
                    "file_names": [name],
                    "session_id": self.session_id,
                }
            )
        )
        response = await asyncio.wait_for(answer, self.timeout)
        if response.error_msg:
            raise ProtocolError(f"no upload URL: {response.error_msg}")
        urls = response.file_urls[0]
        put = await self._http.put(
            urls.upload_url.removeprefix(self.base_url),
            files={"file": (name, data, mime)},
            headers={"X-Xsrftoken": self._http.cookies[XSRF_COOKIE]},
        )
        if put.status_code != 204:
            raise ProtocolError(f"upload refused: HTTP {put.status_code} {put.text[:200]}")
        previous = self._values.get(uploader.id)
        files = list(previous.file_uploader_state_value.uploaded_file_info) if previous else []
        files.append(
            UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id, file_urls=urls)
        )
        self._values[uploader.id] = WidgetState(
            id=uploader.id, file_uploader_state_value=FileUploaderState(uploaded_file_info=files)
        )
        await self.rerun()

    # --- what the user sees -------------------------------------------------------------

    def _all(self) -> Iterator[tuple[str, Any]]:
        for path in sorted(self._elements):
            element = self._elements[path]
            kind = element.WhichOneof("type")
            if kind:
                yield kind, getattr(element, kind)

    def _widget_ids(self) -> Iterator[str]:
        for _, value in self._all():
            widget_id = getattr(value, "id", "")
            if widget_id:
                yield widget_id

    def _widget(self, kinds: tuple[str, ...], label: str) -> Any:
        for kind, value in self._all():
            if kind in kinds and value.label == label:
                return value
        raise ProtocolError(f"no {'/'.join(kinds)} labelled {label!r} on the page")

    def texts(self, kind: str | None = None) -> list[str]:
        """Readable texts of the page in order (headings, markdown, code, alerts, ...)."""
        return [
            getattr(value, _TEXT_FIELDS[element_kind])
            for element_kind, value in self._all()
            if element_kind in _TEXT_FIELDS and (kind is None or element_kind == kind)
        ]

    def headings(self, tag: str = "h1") -> list[str]:
        return [value.body for kind, value in self._all() if kind == "heading" and value.tag == tag]

    def has_button(self, label: str) -> bool:
        return any(kind == "button" and value.label == label for kind, value in self._all())

    def redirect_target(self) -> str | None:
        """Where the redirect component on the page sends the browser, if it is there."""
        for kind, value in self._all():
            if kind == "bidi_component" and value.component_name.split(".")[-1] == (
                REDIRECT_COMPONENT
            ):
                target = json.loads(value.json or "{}").get("url")
                if isinstance(target, str) and target.startswith("/"):
                    return target
        return None

    def link_target(self, label: str) -> str | None:
        """The URL of the link button `label` (what a browser without JavaScript clicks)."""
        return next(
            (
                value.url
                for kind, value in self._all()
                if kind == "link_button" and value.label == label
            ),
            None,
        )

    def handoff_url(self) -> str | None:
        """The sign-in hand-off (/auth/session?code=...) the page offers after a sign-in."""
        for target in (self.redirect_target(), self.link_target("Weiter")):
            if target and target.startswith("/auth/session?"):
                return target
        return None

    def exception(self) -> str | None:
        return next((value.message for kind, value in self._all() if kind == "exception"), None)
