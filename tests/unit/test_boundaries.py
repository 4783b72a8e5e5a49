"""Import boundaries: pages only render, core never imports streamlit, one module owns crypto."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
STORAGE_AND_CRYPTO = {"sqlmodel", "sqlalchemy", "cryptography", "pypdf", "PIL", "bcrypt"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", [*python_files("pages"), ROOT / "Home.py"], ids=lambda p: p.name)
def test_pages_do_not_touch_storage_crypto_or_pdf_libraries(path):
    assert not imported_modules(path) & STORAGE_AND_CRYPTO


@pytest.mark.parametrize("path", python_files("core"), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_streamlit(path):
    assert "streamlit" not in imported_modules(path)


def test_only_the_crypto_module_imports_cryptography():
    """bench/ is exempt: its baseline is the raw library, measured beside our code."""
    importers = [
        path.relative_to(ROOT).as_posix()
        for folder in ("core", "pages", "ui", "tests")
        for path in python_files(folder)
        if "cryptography" in imported_modules(path)
    ]
    importers += ["Home.py"] if "cryptography" in imported_modules(ROOT / "Home.py") else []
    assert importers == ["core/crypto.py"]


def test_pages_contain_no_queries():
    query = re.compile(r"(?<![\w.])select\(|session\.add|\.exec\(")
    for path in python_files("pages"):
        assert not query.search(path.read_text()), path.name
