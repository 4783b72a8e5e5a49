"""Small rendering helpers shared by pages."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from core.errors import DomainError

T = TypeVar("T")


@contextmanager
def domain_errors() -> Iterator[None]:
    """Show a DomainError's German message instead of a traceback."""
    try:
        yield
    except DomainError as error:
        st.error(error.message)


def attempt(action: Callable[[], T]) -> T | None:
    """Run a service call; on a DomainError show its message and return None."""
    try:
        return action()
    except DomainError as error:
        st.error(error.message)
        return None


def format_date(value) -> str:
    return value.strftime("%d.%m.%Y") if value else "–"
