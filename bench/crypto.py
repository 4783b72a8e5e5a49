"""Envelope encryption against raw AES-GCM, and sealed boxes per second.

Run: .venv/bin/python bench/crypto.py  (prints a Markdown table for BENCHMARKS.md).
MB/s means 10**6 bytes per second; every figure is the median of several runs.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # the baseline, bench only

from core.crypto import (
    Keyring,
    MemberKeyPair,
    SealContext,
    generate_kek,
    open_blob,
    open_sealed,
    seal_blob,
    seal_for_member,
)

RUNS = 7
PAIRED_RUNS = 31
ROW = b"document:42:member:7"
SIZES = {"1 MiB": 1 << 20, "16 MiB": 16 << 20}
SEALED_PLAINTEXT = 1024
SEALED_BATCH = 200


def _median_seconds(action: Callable[[], object], *, runs: int = RUNS) -> float:
    action()  # warm-up
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _paired_medians(
    ours: Callable[[], object], baseline: Callable[[], object]
) -> tuple[float, float]:
    """Alternate the two so drift in clock speed or cache state hits both alike."""
    ours(), baseline()  # warm-up
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(PAIRED_RUNS):
        for action, bucket in ((ours, timings[0]), (baseline, timings[1])):
            start = time.perf_counter()
            action()
            bucket.append(time.perf_counter() - start)
    return statistics.median(timings[0]), statistics.median(timings[1])


def _throughput_rows(label: str, size: int) -> list[dict]:
    plaintext = os.urandom(size)
    kek = generate_kek("bench")
    keyring = Keyring(current=kek)
    envelope = seal_blob(plaintext=plaintext, kek=kek, associated_data=ROW)
    raw = AESGCM(AESGCM.generate_key(bit_length=256))
    nonce = os.urandom(12)
    raw_ciphertext = raw.encrypt(nonce, plaintext, ROW)

    pairs = {
        "encrypt": (
            lambda: seal_blob(plaintext=plaintext, kek=kek, associated_data=ROW),
            lambda: raw.encrypt(nonce, plaintext, ROW),
        ),
        "decrypt": (
            lambda: open_blob(envelope=envelope, keyring=keyring, associated_data=ROW),
            lambda: raw.decrypt(nonce, raw_ciphertext, ROW),
        ),
    }
    rows = []
    for operation, (ours, baseline) in pairs.items():
        ours_seconds, raw_seconds = _paired_medians(ours, baseline)
        ours_mb_s, raw_mb_s = size / ours_seconds / 1e6, size / raw_seconds / 1e6
        rows.append(
            {
                "benchmark": f"envelope {operation}",
                "size": label,
                "value": round(ours_mb_s, 1),
                "baseline": round(raw_mb_s, 1),
                "unit": "MB/s",
                "ratio": round(ours_mb_s / raw_mb_s, 3),
            }
        )
    return rows


def _sealed_box_rows() -> list[dict]:
    member = MemberKeyPair.generate()
    context = SealContext(pseudonym="PSN-7KQ2-M9XD-4TPW-R3V8-C", record_id="r1", format_version=1)
    plaintext = os.urandom(SEALED_PLAINTEXT)
    sealed = seal_for_member(
        plaintext=plaintext, recipient_public_key=member.public_bytes, context=context
    )

    def seal_batch() -> None:
        for _ in range(SEALED_BATCH):
            seal_for_member(
                plaintext=plaintext, recipient_public_key=member.public_bytes, context=context
            )

    def open_batch() -> None:
        for _ in range(SEALED_BATCH):
            open_sealed(sealed=sealed, private_key=member, context=context)

    return [
        {
            "benchmark": f"sealed box {operation}",
            "size": "1 KiB",
            "value": round(SEALED_BATCH / _median_seconds(batch), 0),
            "baseline": None,
            "unit": "ops/s",
            "ratio": None,
        }
        for operation, batch in (("seal", seal_batch), ("open", open_batch))
    ]


def run() -> list[dict]:
    """All rows: benchmark, size, value, baseline (raw AES-GCM or None), unit, ratio."""
    rows = []
    for label, size in SIZES.items():
        rows.extend(_throughput_rows(label, size))
    rows.extend(_sealed_box_rows())
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| benchmark | size | ours | raw AES-GCM | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        baseline = "–" if row["baseline"] is None else f"{row['baseline']:,.1f} {row['unit']}"
        ratio = "–" if row["ratio"] is None else f"{row['ratio']:.3f}"
        value = f"{row['value']:,.1f}" if row["unit"] == "MB/s" else f"{row['value']:,.0f}"
        lines.append(
            f"| {row['benchmark']} | {row['size']} | {value} {row['unit']} | {baseline} | {ratio} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(
        f"median of {PAIRED_RUNS} interleaved runs (sealed boxes: {RUNS} batches of "
        f"{SEALED_BATCH}); MB/s = 10^6 bytes/s\n"
    )
    print(markdown(run()))
