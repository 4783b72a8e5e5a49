"""The browser's crypto bundle (web/) under Node.js, for the tests that check it against core."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
WEB = ROOT / "web"
BUNDLE = WEB / "dist" / "health_crypto.js"
DRIVER = WEB / "test" / "interop.mjs"


def require(tool: str) -> str:
    """The path of node or npm; a missing tool fails the test (CI must install it), never skips."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(
            f"'{tool}' is not installed: the browser bundle's tests need Node.js 20 or newer "
            "with npm (Debian: apt-get install nodejs npm; see scripts/system-deps.sh).",
            pytrace=False,
        )
    return path


def run_bundle(*requests: dict) -> list[dict]:
    """Run requests through web/test/interop.mjs against the committed bundle."""
    completed = subprocess.run(
        [require("node"), str(DRIVER)],
        input=json.dumps(list(requests)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    responses = json.loads(completed.stdout)
    assert len(responses) == len(requests)
    return responses


def call_bundle(op: str, **arguments: object) -> dict:
    (response,) = run_bundle({"op": op, **arguments})
    return response
