"""AppTest fixtures: every test module gets its own seeded SQLite database.

The app reads DATABASE_URL through two functools caches (core.settings.get_settings and
core.db.get_engine); the module fixture points them at its database and restores them.
"""

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test as app_test_module

from core.db import get_engine, make_engine
from core.seed import seed_demo
from core.settings import get_settings
from tests.conftest import fresh_sqlite_url

SYNTHETIC_MEMBERS = 20


class _NavigationPagesManager(PagesManager):
    """Runs every AppTest run through Home.py's st.navigation, as a warmed-up server does.

    AppTest resets PagesManager.uses_pages_directory before each run; because a `pages/`
    folder exists, Streamlit then takes its legacy multipage path, which runs a switched-to
    page file on its own: no gatekeeper, no role check, no sidebar. A server leaves that
    path for good once Home.py has called st.navigation, so the tests pin the flag to False.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(scope="session", autouse=True)
def _navigation_like_a_server() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)
        yield
    PagesManager.uses_pages_directory = None


def _point_app_at(url: str | None) -> None:
    if url is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture(scope="module", autouse=True)
def portal_db() -> Iterator[Engine]:
    """The demo personas and 20 synthetic members; the app under test reads this database."""
    url = fresh_sqlite_url()
    engine = make_engine(url)
    seed_demo(engine, members=SYNTHETIC_MEMBERS)
    previous = os.environ.get("DATABASE_URL")
    _point_app_at(url)
    yield engine
    get_engine().dispose()
    _point_app_at(previous)
    engine.dispose()
