"""`make bench`: run every benchmark under bench/ and rewrite BENCHMARKS.md.

Each benchmark module offers `run() -> list[dict]` and `markdown(rows) -> str`; every figure
sits beside its baseline measured in the same run. Figures, never asserts.
"""

import datetime
import importlib
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = [
    "bench.crypto",
    "bench.ingest",
    "bench.certificates",
    "bench.smarthealth",
    "bench.seed",
    "bench.inbox",
    "bench.load",
]
# The inbox bench seeds its own database: 30,000 members (about 300,000 documents) keep
# `make bench` near ten minutes; BENCH_INBOX_MEMBERS=100000 measures one million documents.
os.environ.setdefault("BENCH_INBOX_MEMBERS", "30000")
# The load bench inside `make bench` is short; `make load` runs the full-size one.
LOAD_SIZE = {
    "users": int(os.environ.get("BENCH_LOAD_USERS", "20")),
    "minutes": float(os.environ.get("BENCH_LOAD_MINUTES", "1.5")),
    "idle_sessions": int(os.environ.get("BENCH_LOAD_IDLE", "200")),
}


def _machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if "model name" in line
        ]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    versions = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=False
    ).stdout.split(" from ")[0]
    return (
        f"{platform.platform()}, {os.cpu_count()} cores ({cpu}){memory}; "
        f"Python {platform.python_version()}; {versions}"
    )


def main() -> int:
    sections = []
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows = module.run(**LOAD_SIZE) if name == "bench.load" else module.run()
        sections.append(f"## {name.split('.')[-1]}\n\n{module.markdown(rows)}")
    text = (
        "# Benchmarks\n\n"
        f"Measured {datetime.date.today():%Y-%m-%d} by `make bench` on: {_machine()}.\n"
        "Every figure is a median of several runs, beside a baseline measured in the same run.\n\n"
        + "\n\n".join(sections)
        + "\n"
    )
    (ROOT / "BENCHMARKS.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
