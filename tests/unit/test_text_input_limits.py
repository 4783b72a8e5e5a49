"""What Streamlit would otherwise show in English, and what a person may type, is set on every
form field: no text_input, text_area or chat_input without max_chars (core checks lengths
again), and no multiselect or empty selectbox without a German placeholder ("Choose options")."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TEXT_WIDGETS = {"text_input", "text_area", "chat_input"}


def _calls(path: Path, names: set[str]) -> list[ast.Call]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ]


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((keyword for keyword in call.keywords if keyword.arg == name), None)


def _spreads_kwargs(call: ast.Call) -> bool:
    return any(keyword.arg is None for keyword in call.keywords)


def _where(path: Path, call: ast.Call) -> str:
    return f"{path.relative_to(ROOT)}:{call.lineno} {call.func.attr}"


def unlimited_text_widgets(path: Path) -> list[str]:
    return [
        _where(path, call)
        for call in _calls(path, TEXT_WIDGETS)
        if not _keyword(call, "max_chars") and not _spreads_kwargs(call)
    ]


def _may_be_none(node: ast.expr) -> bool:
    """`None`, or a conditional with a `None` branch."""
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.IfExp):
        return _may_be_none(node.body) or _may_be_none(node.orelse)
    return False


def choices_without_placeholder(path: Path) -> list[str]:
    """Multiselects always can be empty; a selectbox only with index=None."""
    found = []
    for call in _calls(path, {"multiselect", "selectbox"}):
        if _keyword(call, "placeholder") or _spreads_kwargs(call):
            continue
        index = _keyword(call, "index")
        can_be_empty = call.func.attr == "multiselect" or (
            index is not None and _may_be_none(index.value)
        )
        if can_be_empty:
            found.append(_where(path, call))
    return found


SCREEN_FILES = sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


@pytest.mark.parametrize("path", SCREEN_FILES, ids=lambda path: path.name)
def test_every_text_field_has_a_length_limit(path: Path):
    assert unlimited_text_widgets(path) == []


@pytest.mark.parametrize("path", SCREEN_FILES, ids=lambda path: path.name)
def test_every_choice_that_can_be_empty_has_a_german_placeholder(path: Path):
    assert choices_without_placeholder(path) == []


def test_the_checks_find_what_they_look_for(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    page = tmp_path / "page.py"
    page.write_text(
        "import streamlit as st\n"
        'st.text_input("Name")\n'
        'st.text_area("x", max_chars=9)\n'
        'st.multiselect("Art", ["a"])\n'
        'st.selectbox("Fall", ["a"], index=None)\n'
        'st.selectbox("Fall", ["a"])\n'
        'st.multiselect("Art", ["a"], placeholder="Alle")\n'
    )
    assert unlimited_text_widgets(page) == ["page.py:2 text_input"]
    assert choices_without_placeholder(page) == ["page.py:4 multiselect", "page.py:5 selectbox"]
