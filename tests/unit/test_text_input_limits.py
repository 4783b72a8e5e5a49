"""Every text a person types has a length limit in the form itself (core checks it again):
no text_input, text_area or chat_input in pages/ or ui/ without max_chars."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TEXT_WIDGETS = {"text_input", "text_area", "chat_input"}


def unlimited_text_widgets(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TEXT_WIDGETS
        and not any(keyword.arg in {"max_chars", None} for keyword in node.keywords)
    ]


SCREEN_FILES = sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


@pytest.mark.parametrize("path", SCREEN_FILES, ids=lambda path: path.name)
def test_every_text_field_has_a_length_limit(path: Path):
    assert unlimited_text_widgets(path) == []


def test_the_check_finds_a_field_without_a_limit(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    page = tmp_path / "page.py"
    page.write_text(
        'import streamlit as st\nst.text_input("Name")\nst.text_area("x", max_chars=9)\n'
    )
    assert unlimited_text_widgets(page) == ["page.py:2 text_input"]
