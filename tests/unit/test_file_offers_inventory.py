"""Every file a page hands to the browser goes through ui.files (the portal's /files/ route,
bound to the session cookie), never through Streamlit's public media store (/media/…).

The test reads pages/, ui/ and Home.py and finds every call of `download_button`, `image`
and `pdf`: on `st`, on a column or container, or imported from streamlit by name. Each one
must be ui/files.py's own, a call of ui.files, or on the short allow-list below, which names
the place, the data it serves, and why that data is no member's.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEDIA_CALLS = frozenset({"download_button", "image", "pdf"})
HELPER = "ui/files.py"
HELPER_MODULE = "ui.files"

# (file, call, data argument as written) -> why it may use Streamlit's public media store
ALLOWED: dict[tuple[str, str, str], str] = {
    ("pages/privacy.py", "download_button", "privacy_pdf()"): (
        "static privacy notice, the same PDF for everyone, no member data"
    ),
    ("pages/member_bonus.py", "download_button", "application_form()"): (
        "blank Vorsorgeplus application form, the same PDF for everyone, no member data"
    ),
    ("pages/member_downloads.py", "download_button", "pdf_of(item.id)"): (
        "Downloadcenter: generic public brochures and forms, no member data"
    ),
    ("pages/member_downloads.py", "image", "image"): (
        "Downloadcenter: page previews of the same public brochures, no member data"
    ),
}


@dataclass(frozen=True)
class MediaCall:
    file: str
    line: int
    call: str
    data: str

    @property
    def entry(self) -> tuple[str, str, str]:
        return (self.file, self.call, self.data)


def _sources() -> list[Path]:
    files = sorted((ROOT / "pages").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py"))
    return [*files, ROOT / "Home.py"]


# where each call takes what it serves: (position, keyword)
DATA_ARGUMENT = {"download_button": (1, "data"), "image": (0, "image"), "pdf": (0, "data")}


def _data_argument(node: ast.Call, call: str) -> str:
    position, name = DATA_ARGUMENT[call]
    if len(node.args) > position:
        return ast.unparse(node.args[position])
    for keyword in node.keywords:
        if keyword.arg == name:
            return ast.unparse(keyword.value)
    return ""


def _names_of_ui_files(tree: ast.Module) -> set[str]:
    """Local names bound to the ui.files module (`from ui import files`, `import ui.files as f`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "ui":
            names |= {alias.asname or alias.name for alias in node.names if alias.name == "files"}
        elif isinstance(node, ast.Import):
            names |= {alias.asname for alias in node.names if alias.name == HELPER_MODULE}
    return names - {None}


def _imported_from_streamlit(tree: ast.Module) -> dict[str, str]:
    """`from streamlit import image as show`: local name -> Streamlit's media element."""
    return {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("streamlit")
        for alias in node.names
        if alias.name in MEDIA_CALLS
    }


def media_calls(path: Path, source: str | None = None) -> list[MediaCall]:
    """Calls in one file that would put bytes into Streamlit's media store."""
    source = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(source, filename=str(path))
    helpers, bare = _names_of_ui_files(tree), _imported_from_streamlit(tree)
    relative = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function, call = node.func, None
        if isinstance(function, ast.Attribute) and function.attr in MEDIA_CALLS:
            receiver = function.value
            if not (isinstance(receiver, ast.Name) and receiver.id in helpers):
                call = function.attr  # st.image, column.image; not files.image (the helper)
        elif isinstance(function, ast.Name) and function.id in bare:
            call = bare[function.id]
        if call is not None:
            found.append(MediaCall(relative, node.lineno, call, _data_argument(node, call)))
    return found


def _every_media_call() -> list[MediaCall]:
    return [call for path in _sources() for call in media_calls(path)]


def test_no_page_puts_files_into_streamlits_public_media_store():
    offending = [
        f"{call.file}:{call.line} {call.call}({call.data})"
        for call in _every_media_call()
        if call.file != HELPER and call.entry not in ALLOWED
    ]
    assert not offending, (
        "Serve member files with ui.files.download_link / ui.files.image (the /files/ route "
        "behind the session cookie), or add a public file to ALLOWED with a reason: "
        + ", ".join(offending)
    )


def test_every_allow_list_entry_still_names_exactly_one_call():
    """A stale entry would silently allow a new call with the same data expression."""
    counts = {entry: 0 for entry in ALLOWED}
    for call in _every_media_call():
        if call.entry in counts:
            counts[call.entry] += 1
    assert {entry: count for entry, count in counts.items() if count != 1} == {}


def test_every_allow_list_entry_gives_a_reason():
    assert all(reason.strip() and "no member data" in reason for reason in ALLOWED.values())


def test_the_helper_itself_is_the_only_place_that_calls_streamlits_image():
    calls = media_calls(ROOT / HELPER)
    assert [call.call for call in calls] == ["image"]


@pytest.mark.parametrize(
    "source",
    [
        "import streamlit as st\nst.download_button('PDF', data=pdf, file_name='a.pdf')\n",
        "import streamlit as st\nleft, right = st.columns(2)\nright.image(png, width=200)\n",
        "import streamlit as st\nwith st.container():\n    st.pdf(letter_pdf)\n",
        "from streamlit import download_button as save\nsave('PDF', letter_pdf)\n",
        "from ui import files\nimport streamlit as st\nst.sidebar.image(files.x)\n",
    ],
)
def test_a_new_streamlit_media_call_in_a_page_is_found(source: str):
    path = ROOT / "pages" / "new_page.py"
    [call] = media_calls(path, source)
    assert call.file == "pages/new_page.py" and call.entry not in ALLOWED


def test_a_call_of_the_helper_is_not_counted():
    source = "from ui import files\nfiles.image(png, key='qr')\nfiles.download_link('PDF', b'')\n"
    assert media_calls(ROOT / "pages" / "new_page.py", source) == []
