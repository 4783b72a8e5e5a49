"""Small rendering helpers shared by pages."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from core.clock import to_berlin
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


def format_moment(value) -> str:
    """A stored UTC moment as German local date and time."""
    return to_berlin(value).strftime("%d.%m.%Y %H:%M") if value else "–"


def format_count(count: int) -> str:
    """German thousands separator: 4.111."""
    return f"{count:,}".replace(",", ".")


def format_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size // 1024, 1)} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
