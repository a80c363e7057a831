"""A learner starts the lab's default run, watches the loss curve grow and fall, pauses,
reloads and resumes from the same step."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def plotted(n):
    """A page predicate: the loss plot is drawn and its training trace has n points or more."""
    return ("(() => { const gd = document.getElementById('lab-loss');"
            f" return !!(gd && gd.data && gd.data[0].x.length >= {n}); }})()")


def wait_until(page, expression, timeout=60_000):
    """Poll a page expression from Python (wait_for_function evaluates a string in the page,
    which the site's CSP forbids)."""
    waited = 0
    while not page.evaluate(expression):
        assert waited < timeout, f"timed out waiting for {expression}"
        page.wait_for_timeout(200)
        waited += 200


def loss_points(page):
    """(steps, losses) of the training-loss trace as plotted."""
    return page.evaluate("""() => {
        const trace = document.getElementById('lab-loss').data.find(t => t.meta === 'loss');
        return [Array.from(trace.x), Array.from(trace.y)];
    }""")


def test_default_run_trains_live_pauses_and_resumes(page, live_server, transactional_db,
                                                    console_errors):
    page.goto(live_server.url + "/lab/")
    expect(page.get_by_label("Task")).to_have_value("adding")
    expect(page.get_by_label("Cell")).to_have_value("lstm")
    # the log-scale slider drives the learning rate's box
    slider = page.locator(".lab-log-slider")
    expect(slider).to_be_visible()
    slider.fill("-3")
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.001")
    slider.fill("-2")
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.01")

    page.get_by_role("button", name="Start training").click()
    expect(page.locator("h1")).to_contain_text("LSTM on the adding problem")
    live = page.locator("#run-live")
    expect(live).to_have_attribute("data-running", "true")

    # the loss curve gains points poll by poll
    wait_until(page, plotted(20))
    steps, losses = loss_points(page)
    assert steps == list(range(1, len(steps) + 1))
    wait_until(page, plotted(50), timeout=90_000)
    steps, losses = loss_points(page)
    first, last = sum(losses[:5]) / 5, sum(losses[-10:]) / 10
    assert last < 0.5 * first, (first, last)            # it falls
    # the evaluation curve grows too (every 25 steps)
    assert page.evaluate("document.getElementById('lab-loss').data[1].x.length") >= 2

    page.get_by_role("button", name="Pause").click()
    expect(live).to_have_attribute("data-running", "false")
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    paused_at = int(live.get_attribute("data-step"))
    page.wait_for_timeout(2_500)                        # no more polls: it stays put
    assert int(page.locator("#run-live").get_attribute("data-step")) == paused_at

    page.reload()
    wait_until(page, plotted(paused_at))
    live = page.locator("#run-live")
    expect(live).to_have_attribute("data-step", str(paused_at))
    expect(page.locator("[data-field=step]")).to_have_text(str(paused_at))
    assert loss_points(page)[0][-1] == paused_at        # the plot is drawn from the stored run

    page.locator("h1").click()                          # focus off the controls
    page.keyboard.press(" ")                            # space resumes
    expect(page.locator("#run-live")).to_have_attribute("data-running", "true")
    wait_until(page, f"Number(document.getElementById('run-live').dataset.step) > {paused_at}")
    wait_until(page, plotted(paused_at + 1))
    steps, _ = loss_points(page)
    assert steps == list(range(1, len(steps) + 1))      # continued from the same step, no gap
    assert steps[-1] > paused_at
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#run-live")).to_have_attribute("data-running", "false")
    assert console_errors == []


def test_choosing_a_task_loads_its_settings_and_a_shareable_link(page, live_server,
                                                                  transactional_db,
                                                                  console_errors):
    page.goto(live_server.url + "/lab/")
    assert page.evaluate("htmx.config.allowEval") is False
    page.get_by_label("Task").select_option("copy")
    expect(page.get_by_label("Delay")).to_have_value("10")          # the copy task's fields
    expect(page.get_by_label("Cell")).to_have_value("gru")          # ... and defaults
    assert page.url.endswith("/lab/?task=copy")
    page.get_by_label("Delay").fill("20")
    page.get_by_role("button", name="Link to these settings").click()
    expect(page.get_by_label("Delay")).to_have_value("20")
    assert "delay=20" in page.url and "task=copy" in page.url
    page.goto(page.url)                                              # the link, opened anew
    expect(page.get_by_label("Delay")).to_have_value("20")
    # no inline script code (figure data is JSON in json_script, which is not code)
    code = page.evaluate("[...document.scripts].filter(s => !s.src && s.type !== "
                         "'application/json').length")
    assert code == 0
    assert console_errors == []


def test_a_run_deleted_elsewhere_stops_polling_with_a_message(page, live_server,
                                                              transactional_db):
    from studyapp.lab.models import Run

    polls = []
    page.on("request", lambda request: "/poll/" in request.url and polls.append(request.url))
    page.goto(live_server.url + "/lab/")
    page.get_by_role("button", name="Start training").click()
    expect(page.locator("#run-live")).to_have_attribute("data-running", "true")
    wait_until(page, "document.querySelectorAll('#run-live[hx-trigger]').length === 1")
    Run.objects.all().delete()                       # another tab deleted it
    expect(page.locator("#messages .message")).to_contain_text("no longer exists", timeout=10_000)
    expect(page.locator("#run-live")).to_have_attribute("data-running", "false")
    count = len(polls)
    page.wait_for_timeout(2_500)
    assert len(polls) == count                       # no more polls
