"""One hostile file cannot take the portal down: parsing and rendering run in a worker process
with an address-space limit and a time limit, a page never renders into a giant bitmap, images
are refused from their header or scaled down, and a worker that gives up is replaced.

Each case runs in a pool whose workers may use 300 MB beyond their idle size (RLIMIT_AS) and
must answer within 5 s; the test process is the caller that has to survive them all.
"""

import io
import os
import signal
import time
from pathlib import Path

import pytest
from PIL import Image

from core import sandbox
from core.previews import MAX_PREVIEW_PIXELS, pdf_page_count, render_pdf_pages
from core.uploads import IncomingFile, UploadLimits, UploadRejected, check_file
from core.uploads.images import MAX_OUTPUT_PIXELS
from tests.hostile_files import (
    flate_bomb_pdf,
    fpdf_document,
    giant_page_pdf,
    jpeg_claiming_dimensions,
    megapixel_png,
    pdf_with_image_claiming,
    pixel_flood_png,
    png,
    user_unit_giant_page_pdf,
)

BUDGET = 300 * 1024 * 1024
SECONDS = 5.0


@pytest.fixture(scope="module")
def pool():
    bounded = sandbox.WorkerPool(size=1, memory_budget=BUDGET, measure=True)
    bounded.call("preview.page_count", {}, [fpdf_document(1)])  # started before the clock runs
    yield bounded
    bounded.close()


@pytest.fixture(autouse=True)
def bounded(monkeypatch, pool):
    monkeypatch.setattr(sandbox, "_pool", pool)
    return pool


def within_limits(pool: sandbox.WorkerPool, action):
    """What `action` returned or raised, checked against the wall time and the worker's memory."""
    started = time.monotonic()
    try:
        outcome = action()
    except UploadRejected as rejected:
        outcome = rejected
    seconds = time.monotonic() - started
    stats = pool.last_stats
    assert seconds < SECONDS, seconds
    assert stats is not None and 0 <= stats.peak_rss_growth < BUDGET, stats
    return outcome


def test_the_435_byte_giant_page_pdf_is_refused_at_upload(pool):
    data = giant_page_pdf()
    assert len(data) < 500

    outcome = within_limits(pool, lambda: check_file(IncomingFile("plakat.pdf", data)))

    assert isinstance(outcome, UploadRejected) and outcome.code == "page_too_large"
    assert "5,08 Meter" in outcome.message and "A4" in outcome.message


def test_a_page_made_giant_by_user_unit_is_refused_too(pool):
    outcome = within_limits(
        pool, lambda: check_file(IncomingFile("plakat.pdf", user_unit_giant_page_pdf()))
    )
    assert isinstance(outcome, UploadRejected) and outcome.code == "page_too_large"


@pytest.mark.parametrize("scale", [0.6, 2.0])
def test_a_giant_page_stored_before_the_check_renders_small(pool, scale):
    pages = within_limits(pool, lambda: render_pdf_pages(giant_page_pdf(), scale=scale))

    with Image.open(io.BytesIO(pages[0])) as image:
        width, height = image.size
    assert width * height <= MAX_PREVIEW_PIXELS
    assert width > 1000  # lowered to the limit, not to nothing


def test_an_a4_page_at_the_clerk_viewers_200_percent_keeps_its_scale(pool):
    pages = within_limits(pool, lambda: render_pdf_pages(fpdf_document(1), scale=2.0))
    with Image.open(io.BytesIO(pages[0])) as image:
        assert image.size == (1191, 1684)


def test_a_50_megapixel_png_is_accepted_scaled_down(pool):
    data = megapixel_png(10_000, 5_000)

    checked = within_limits(pool, lambda: check_file(IncomingFile("screenshot.png", data)))

    assert not isinstance(checked, UploadRejected), checked
    assert checked.width * checked.height <= MAX_OUTPUT_PIXELS
    assert checked.width == 2 * checked.height
    with Image.open(io.BytesIO(checked.data)) as image:
        assert image.size == (checked.width, checked.height)


@pytest.mark.parametrize(
    ("name", "make", "code"),
    [
        ("flut.png", pixel_flood_png, "too_many_pixels"),  # 144 MP in 20 KB
        ("flut.jpg", lambda: jpeg_claiming_dimensions(65_000, 65_000), "too_many_pixels"),
        ("bombe.pdf", flate_bomb_pdf, "pdf_bomb"),  # 257 KB inflating to 256 MB
        ("scan.pdf", lambda: pdf_with_image_claiming(60_000, 60_000), "pdf_image_too_large"),
    ],
)
def test_decompression_bombs_are_refused_within_the_limits(pool, name, make, code):
    outcome = within_limits(pool, lambda: check_file(IncomingFile(name, make())))
    assert isinstance(outcome, UploadRejected) and outcome.code == code


def test_an_image_claiming_60000_pixels_square_inside_a_pdf_renders_without_harm(pool):
    pages = within_limits(pool, lambda: render_pdf_pages(pdf_with_image_claiming(60_000, 60_000)))
    assert isinstance(pages, UploadRejected) or len(pages) == 1


def test_a_worker_out_of_memory_gives_a_german_refusal_and_the_next_file_works():
    tight = sandbox.WorkerPool(size=1, memory_budget=40 * 1024 * 1024)
    try:
        with pytest.raises(UploadRejected) as refused:
            tight.call(
                "upload.normalise",
                {"kind": "png", "limits": _limits()},
                [megapixel_png(10_000, 5_000)],
            )
        assert refused.value.code == "unprocessable"
        assert refused.value.message.startswith("Die Datei konnte nicht verarbeitet werden")
        reply = tight.call("upload.normalise", {"kind": "png", "limits": _limits()}, [png()])
        assert reply.result["width"] == 64
    finally:
        tight.close()


def test_a_worker_over_its_time_is_killed_and_replaced(pool):
    old = pool._idle[-1].process.pid
    with pytest.raises(UploadRejected) as refused:
        pool.call(
            "upload.normalise",
            {"kind": "png", "limits": _limits()},
            [megapixel_png(10_000, 5_000)],
            timeout=0.05,
        )
    assert refused.value.code == "unprocessable"
    with pytest.raises(ProcessLookupError):
        os.kill(old, 0)
    assert pdf_page_count(fpdf_document(2)) == 2


def test_a_worker_killed_from_outside_is_replaced_for_the_next_caller(pool):
    os.kill(pool._idle[-1].process.pid, signal.SIGKILL)
    time.sleep(0.1)
    assert pdf_page_count(fpdf_document(3)) == 3


def test_the_worker_has_an_address_space_limit_and_none_of_the_portals_secrets(monkeypatch):
    monkeypatch.setenv("HEK_MASTER_KEY", "geheim")
    fresh = sandbox.WorkerPool(size=1, memory_budget=BUDGET, measure=True)
    try:
        fresh.call("preview.page_count", {}, [fpdf_document(1)])
        worker = fresh._idle[-1]
        process = Path(f"/proc/{worker.process.pid}")
        limits = (process / "limits").read_text().split("Max address space")[1].split()
        environment = (process / "environ").read_bytes().split(b"\0")
    finally:
        fresh.close()
    assert int(limits[0]) == int(limits[1]) == worker.address_space_limit
    assert worker.address_space_limit < 2 * 1024**3
    assert not [entry for entry in environment if entry.startswith(b"HEK_")]


def _limits() -> dict:
    return UploadLimits(
        max_file_bytes=10 * 1024 * 1024, max_submission_bytes=20 * 1024 * 1024
    ).as_json()
