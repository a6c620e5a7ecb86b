"""The page takes its limits from the server: a limit changed in Python is the limit in the page.

A second lab server runs here with other limits than the defaults, set in Python before it
starts (the trainer's noise at most 0.7, its points at most 1200, one training session), and
the trainer's inputs are read from the page it serves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.support import free_port, wait_until_ready

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TRAINER = "[data-widget=trainer]"

# Run by the patched server before it starts: narrower bounds on the trainer's model (and
# the commands that carry it), and a lab of one session.
PATCH = """
import sys
from annotated_types import Le
from pydantic import TypeAdapter
from neuronlab.lab.server import run_lab
from neuronlab.lab.settings import Settings
from neuronlab.lab.trainer import protocol as p

for name, largest in (("noise", 0.7), ("points", 1200)):
    info = p.TrainerConfig.model_fields[name]
    info.metadata = [Le(largest) if isinstance(m, Le) else m for m in info.metadata]
p.TrainerConfig.model_rebuild(force=True)
p.Configure.model_rebuild(force=True)
p.Start.model_rebuild(force=True)
p._COMMAND = TypeAdapter(p.Command)
port = int(sys.argv[1])
run_lab("127.0.0.1", port, open_browser=False, settings=Settings(max_sessions=1))
"""


@pytest.fixture(scope="module")
def patched_lab_url(artifacts_dir):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log_path = os.path.join(artifacts_dir, "patched-lab-server.log")
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", PATCH, str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        wait_until_ready(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def open_trainer(page: Page, url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url + "#trainer")
    expect(page.locator(TRAINER)).to_have_attribute("data-state", "ready", timeout=30_000)


def wait_until_the_lab_is_free(url: str) -> None:
    """The patched lab has one session; the one of the test before is freed when the server
    sees that test's page go, which on a loaded machine can come after the next page opens."""
    deadline = time.monotonic() + 15
    while True:
        with urllib.request.urlopen(url + "api/trainer/status", timeout=5) as response:
            sessions = json.load(response)["sessions"]
        if sessions == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert sessions == 0, f"the patched lab still holds {sessions} session(s) after 15 s"


def bounds(page: Page, label: str) -> tuple[str, str, str]:
    control = page.locator("#trainer").get_by_label(label, exact=True)
    return tuple(control.get_attribute(name) for name in ("min", "max", "step"))


def test_the_trainer_inputs_take_the_servers_limits(page: Page, lab_url):
    open_trainer(page, lab_url)
    # the bounds the section's HTML used to write (noise at most 1, validation 0.5) were not
    # the server's (2 and 0.9)
    assert bounds(page, "Noise") == ("0", "2", "0.05")
    assert bounds(page, "Validation share") == ("0", "0.9", "0.05")
    assert bounds(page, "Points") == ("10", "5000", "10")
    assert bounds(page, "Hidden layers") == ("1", "6", "1")
    assert bounds(page, "Units per layer") == ("1", "64", "1")
    assert bounds(page, "Batch size") == ("1", "5000", "1")
    assert bounds(page, "Data seed") == ("0", "2147483647", "1")
    # a range input's end is a setting the server takes: the far right of Noise trains
    noise = page.locator("#trainer").get_by_label("Noise", exact=True)
    noise.fill("2")
    expect(page.locator("#tr-noise-value")).to_have_text("2.00")
    page.wait_for_function("location.search.includes('trainer.noise=2')")
    page.locator("#trainer").get_by_role("button", name="Step", exact=True).click()
    expect(page.locator("#trainer").get_by_label("Epoch", exact=True)).to_have_text("1")
    expect(page.locator("#tr-error")).to_be_hidden()


def test_a_limit_changed_in_python_is_the_limit_in_the_page(page: Page, patched_lab_url):
    wait_until_the_lab_is_free(patched_lab_url)
    open_trainer(page, patched_lab_url)
    assert bounds(page, "Noise") == ("0", "0.7", "0.05")
    assert bounds(page, "Points") == ("10", "1200", "10")
    assert bounds(page, "Validation share") == ("0", "0.9", "0.05")  # unchanged
    # and the server holds to it: one more point than its limit is refused, by name
    points = page.locator("#trainer").get_by_label("Points", exact=True)
    points.fill("1210")
    points.press("Enter")
    expect(page.locator("#tr-error")).to_contain_text(
        "Points should be less than or equal to 1200, got 1210"
    )


def test_a_full_lab_leaves_nothing_to_press(page: Page, patched_lab_url):
    wait_until_the_lab_is_free(patched_lab_url)
    open_trainer(page, patched_lab_url)  # this page takes the lab's one session
    other = page.context.new_page()
    other.goto(patched_lab_url + "#trainer")
    trainer = other.locator(TRAINER)
    expect(trainer).to_have_attribute("data-state", "busy", timeout=30_000)
    expect(other.locator("#tr-error")).to_contain_text("The lab is busy")
    expect(other.locator("#tr-message")).to_have_text("Reload the page to try again.")
    buttons = other.locator("#trainer")
    for name in ("Train", "Pause", "Step", "Reset", "Re-seed", "Regenerate"):
        expect(buttons.get_by_role("button", name=name, exact=True)).to_be_disabled()
    other.close()


def test_menus_show_the_servers_display_names(page: Page, lab_url):
    # the dataset menu said "Xor": names are written as people write them, by the server
    open_trainer(page, lab_url)
    datasets = page.locator("#tr-dataset option").all_inner_texts()
    assert "XOR" in datasets and "Xor" not in datasets
    assert "Spirals" in datasets and "Gaussian blobs" in datasets
    # the activation menu says which slope each leaky ReLU has
    activations = page.locator("#tr-activation option").all_inner_texts()
    assert "leaky ReLU, slope 0.1" in activations and "leaky ReLU, slope 0.01" in activations
    page.locator("#tr-activation").select_option("leaky_relu_0.1")
    page.wait_for_function("location.search.includes('trainer.activation=leaky_relu_0.1')")
