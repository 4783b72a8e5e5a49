"""The committed bundle web/dist/health_crypto.js is exactly what the pinned sources build."""

import json
import re
import shutil
import subprocess
from pathlib import Path

from tests.browser_bundle import BUNDLE, WEB, require

EXACT_VERSION = re.compile(r"\d+\.\d+\.\d+")


def _run(command: list[str], cwd: Path) -> None:
    completed = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, f"{' '.join(command)} failed:\n{completed.stderr}"


def _installed_as_locked(web: Path) -> bool:
    """Whether web/node_modules holds exactly the locked version of every package."""
    if not (web / "node_modules").is_dir():
        return False
    lock = json.loads((web / "package-lock.json").read_text())
    for path, entry in lock["packages"].items():
        if not path:
            continue  # the root project itself
        manifest = web / path / "package.json"
        if not manifest.exists():
            if entry.get("optional"):
                continue  # esbuild's binaries for other platforms
            return False
        if json.loads(manifest.read_text())["version"] != entry["version"]:
            return False
    return True


def test_dependencies_are_pinned_to_exact_versions():
    package = json.loads((WEB / "package.json").read_text())
    lock = json.loads((WEB / "package-lock.json").read_text())
    declared = {**package["dependencies"], **package["devDependencies"]}
    assert all(EXACT_VERSION.fullmatch(version) for version in declared.values()), declared
    for name, version in declared.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name


def test_committed_bundle_is_the_build_of_the_pinned_sources(tmp_path):
    npm = require("npm")
    require("node")
    work = tmp_path / "web"
    work.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(WEB / name, work / name)
    shutil.copytree(WEB / "src", work / "src")
    if _installed_as_locked(WEB):
        (work / "node_modules").symlink_to(WEB / "node_modules", target_is_directory=True)
    else:
        _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=work)
    _run([npm, "run", "build"], cwd=work)
    rebuilt = (work / "dist" / "health_crypto.js").read_bytes()
    assert rebuilt == BUNDLE.read_bytes(), (
        "web/dist/health_crypto.js is not the build of web/src at the pinned versions: "
        "run `make bundle` and commit web/dist/health_crypto.js"
    )
