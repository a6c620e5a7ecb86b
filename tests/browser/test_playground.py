"""The code playground in a real browser: type a program, Ctrl+Enter, read the output, Stop.

The server is the real one (``lab_url``), so each run here is a real sandboxed subprocess.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import open_page

pytestmark = pytest.mark.browser

READY = "html[data-ready='true']"


def open_playground(page: Page, lab_url: str, query: str = "") -> None:
    page.set_viewport_size({"width": 1400, "height": 1100})
    page.goto(f"{lab_url.rstrip('/')}/{query}#playground")
    page.wait_for_selector(READY, timeout=30_000)
    page.locator("section#playground").scroll_into_view_if_needed()
    expect(page.get_by_label("Python code")).not_to_have_value("")  # an example is loaded


def shot(page: Page, artifacts_dir: str, name: str) -> None:
    page.locator("section#playground").screenshot(path=os.path.join(artifacts_dir, name))


def replace_code(page: Page, keys: list[str]) -> None:
    """Select everything in the editor and type ``keys`` (text, or a key name like "Enter")."""
    editor = page.get_by_label("Python code")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for key in keys:
        if key in ("Enter", "Tab", "Shift+Tab"):
            page.keyboard.press(key)
        else:
            page.keyboard.type(key)


def test_type_a_program_run_it_with_ctrl_enter_and_see_output_and_figure(
    page, lab_url, artifacts_dir
):
    open_playground(page, lab_url)
    replace_code(
        page,
        [
            "import matplotlib.pyplot as plt",
            "Enter",
            "print('hello from the playground')",
            "Enter",
            "for i in range(4):",
            "Enter",
            "print(i * i)",  # the editor indented this line after the colon
            "Enter",
            "Shift+Tab",  # and Shift+Tab takes the indentation away again
            "plt.plot([0, 1, 2, 3], [0, 1, 4, 9], 'o-')",
            "Enter",
            "plt.title('squares')",
            "Enter",
            "plt.show()",
        ],
    )
    editor = page.get_by_label("Python code")
    expect(editor).to_have_value(
        "import matplotlib.pyplot as plt\n"
        "print('hello from the playground')\n"
        "for i in range(4):\n"
        "    print(i * i)\n"
        "plt.plot([0, 1, 2, 3], [0, 1, 4, 9], 'o-')\n"
        "plt.title('squares')\n"
        "plt.show()"
    )
    expect(page.locator("section#playground .pg-lines")).to_have_text("1\n2\n3\n4\n5\n6\n7")

    page.keyboard.press("Control+Enter")
    output = page.locator("#pg-output")
    expect(output.locator(".pg-done")).to_contain_text("Finished in", timeout=30_000)
    expect(output).to_contain_text("hello from the playground\n0\n1\n4\n9\n")
    figure = output.get_by_role("img", name="Figure 1 made by your code")
    expect(figure).to_be_visible()
    assert figure.evaluate("image => image.naturalWidth") == 640
    expect(page.locator("#pg-status")).to_have_text("Finished.")
    expect(page.get_by_label("Playground token")).to_be_hidden()  # loopback: no token
    expect(page.get_by_role("button", name="Run code")).to_be_enabled()
    expect(page.get_by_role("button", name="Stop the run")).to_be_disabled()
    figure.scroll_into_view_if_needed()
    shot(page, artifacts_dir, "playground-run.png")


def test_stop_ends_a_run_that_never_finishes(page, lab_url, artifacts_dir):
    open_playground(page, lab_url)
    replace_code(page, ["import time", "Enter", "print('working', flush=True)", "Enter"])
    page.keyboard.type("while True:")
    page.keyboard.press("Enter")
    page.keyboard.type("time.sleep(0.1)")
    page.get_by_role("button", name="Run code").click()
    output = page.locator("#pg-output")
    expect(output).to_contain_text("working", timeout=30_000)
    expect(page.get_by_role("button", name="Run code")).to_be_disabled()
    stop = page.get_by_role("button", name="Stop the run")
    expect(stop).to_be_enabled()
    stop.click()
    expect(output.locator(".pg-done")).to_contain_text("you pressed Stop", timeout=10_000)
    expect(page.get_by_role("button", name="Run code")).to_be_enabled()
    shot(page, artifacts_dir, "playground-stopped.png")


def test_an_error_shows_its_traceback_and_a_sentence(page, lab_url, artifacts_dir):
    open_playground(page, lab_url)
    replace_code(page, ["values = [1, 2, 3]", "Enter", "print(values[3])"])
    page.get_by_role("button", name="Run code").click()
    output = page.locator("#pg-output")
    expect(output.locator(".pg-stderr")).to_contain_text(
        "IndexError: list index out of range", timeout=30_000
    )
    expect(output.locator(".pg-stderr")).to_contain_text('File "main.py", line 2')
    expect(output.locator(".pg-done")).to_contain_text("The code raised IndexError")
    shot(page, artifacts_dir, "playground-error.png")


def test_examples_menu_and_accessible_controls(page, lab_url, artifacts_dir):
    open_playground(page, lab_url, "?playground.example=race")
    editor = page.get_by_label("Python code")
    expect(editor).to_have_value(lambda_free_contains("descend("))
    example = page.get_by_label("Example")
    expect(example).to_have_value("race")
    example.select_option(label="Check gradients")
    expect(editor).to_have_value(lambda_free_contains("gradient_check("))
    for name in ("Run code", "Stop the run", "Clear output"):
        expect(page.get_by_role("button", name=name)).to_have_count(1)
    expect(page.get_by_role("log", name="Output")).to_have_count(1)
    # Esc then Tab leaves the editor (Tab alone indents)
    editor.focus()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") != "pg-code"
    page.get_by_role("button", name="Run code").click()
    expect(page.locator("#pg-output .pg-done")).to_contain_text("Finished", timeout=30_000)
    expect(page.locator("#pg-output")).to_contain_text("backprop agrees")
    shot(page, artifacts_dir, "playground-example.png")


def lambda_free_contains(text: str):
    """A regular expression matching any value that contains ``text``."""

    return re.compile(f".*{re.escape(text)}.*", re.DOTALL)


def test_edits_to_an_example_survive_a_reload(page, lab_url):
    open_playground(page, lab_url)
    page.get_by_label("Example").select_option(label="Check gradients")
    page.wait_for_function("location.search.includes('playground.example=gradients')")
    editor = page.get_by_label("Python code")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nprint('my own line')")
    # the code is the learner's now: the address no longer brings the example back
    page.wait_for_function("!location.search.includes('playground.example')")
    page.reload()
    page.wait_for_selector(READY, timeout=30_000)
    expect(editor).to_have_value(lambda_free_contains("print('my own line')"))
    expect(page.get_by_label("Example")).to_have_value("")  # "Your own code"


def test_escape_then_shift_tab_leaves_the_editor_unchanged(page: Page, lab_url):
    open_page(page, f"{lab_url}#playground")
    code = page.locator("#pg-code")
    expect(code).not_to_have_value("")
    before = code.input_value()
    code.focus()
    page.keyboard.press("Control+End")
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") != "pg-code"
    assert code.input_value() == before


def test_playground_gutter_matches_the_code_and_run_keeps_focus(page: Page, lab_url):
    problems = open_page(page, f"{lab_url}#playground")
    code = page.get_by_label("Python code")
    expect(code).not_to_have_value("")
    gutter = page.locator(".pg-lines")
    sizes = page.evaluate(
        """() => {
            const gutter = document.querySelector('.pg-lines');
            const code = document.querySelector('#pg-code');
            return {
                gutter: gutter.getBoundingClientRect().height,
                code: code.getBoundingClientRect().height,
                numbers: gutter.textContent.split('\\n').length,
                lines: code.value.split('\\n').length,
            };
        }"""
    )
    # the numbers stop where the editor stops, however long the example is
    assert abs(sizes["gutter"] - sizes["code"]) <= 1, sizes
    assert sizes["numbers"] == sizes["lines"]
    code.fill("\n".join(f"print({i})" for i in range(60)))
    expect(gutter).to_contain_text("60")
    page.evaluate("document.querySelector('#pg-code').scrollTop = 1e6")
    page.wait_for_function(
        "document.querySelector('.pg-lines').scrollTop > 0 && "
        "document.querySelector('.pg-lines').scrollTop === "
        "document.querySelector('#pg-code').scrollTop"
    )

    code.fill("print(6 * 7)")
    run = page.get_by_role("button", name="Run code")
    run.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#pg-output")).to_contain_text("42", timeout=30_000)
    expect(page.locator("#pg-output .pg-done")).to_have_count(1, timeout=30_000)
    expect(run).to_be_focused()
    assert problems == []
