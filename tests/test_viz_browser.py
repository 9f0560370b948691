"""The browser viewer, driven in a real browser (Debian's chromium, Playwright's sync API).

The server is started the way ``libya-sim viz`` starts it (``sim.viz.serve`` in a
subprocess) on a free loopback port, and stopped at the end. Run with::

    .venv/bin/python -m pytest tests/test_viz_browser.py -x -q -s
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
LIBYA = REPO / "scenarios" / "libya" / "libya_2018_11.yaml"
TOY = REPO / "tests" / "data" / "toy_war.yaml"
SCENARIO = LIBYA if LIBYA.exists() else TOY
STARTUP_TIMEOUT_S = 90
STEP = dict(name="Step", exact=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(url: str, proc: subprocess.Popen, timeout: float) -> None:
    """Poll the server until it answers 200 (or the process dies)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"viewer server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = exc
        time.sleep(0.2)  # polling interval, not a wait for the app
    raise TimeoutError(f"viewer did not answer at {url} within {timeout} s ({last})")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its solara child (they share a process group started for them)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


@pytest.fixture(scope="module")
def viewer_url(tmp_path_factory):
    pytest.importorskip("solara")
    pytest.importorskip("playwright")
    if not CHROMIUM.exists():
        pytest.skip("chromium not installed (apt-get install -y chromium; or `make browser-deps`)")
    port = _free_port()
    log = tmp_path_factory.mktemp("viewer") / "server.log"
    code = ("import sys, sim.viz as v; "
            "sys.exit(v.serve(sys.argv[1], int(sys.argv[2]), '127.0.0.1', int(sys.argv[3])))")
    with open(log, "wb") as fh:
        proc = subprocess.Popen([sys.executable, "-c", code, str(SCENARIO), "0", str(port)], cwd=REPO,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(url, proc, STARTUP_TIMEOUT_S)
        yield url
    finally:
        _stop(proc)
        print(f"\nviewer server log: {log}")


@pytest.fixture()
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1500})
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url} ({req.failure})"))
            page.on("response", lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}")
                    if resp.status >= 400 else None)
            yield page, problems
        finally:
            browser.close()


def _img_state(page, css: str) -> dict:
    """src and natural size of the figure image inside a component (waits for it to be decoded)."""
    page.wait_for_function(
        "css => { const i = document.querySelector(css); return i && i.complete && i.naturalWidth > 0; }",
        arg=css, timeout=30_000)
    return page.evaluate("css => { const i = document.querySelector(css);"
                         " return {src: i.src, w: i.naturalWidth, h: i.naturalHeight}; }", css)


FETCH_BASE64_JS = """async src => {
  const bytes = new Uint8Array(await (await fetch(src)).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return btoa(text);
}"""


def _check_places_in_their_colours(page, src: str) -> None:
    """The map the browser shows has the biggest places in their camp's colour at week 0 (pixels located with
    the same figure layout, built here for the same scenario): a blank or wrong map fails."""
    import base64

    from pictures import colour_near, pixel_of, rgb
    from sim.model import ConflictModel
    from sim.scenario import load_scenario
    from sim.viz import draw

    png = base64.b64decode(page.evaluate(FETCH_BASE64_JS, src))  # the bytes of the image the page shows
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    shown = rgb(png)
    m = ConflictModel(load_scenario(SCENARIO).scenario, seed=1)
    draw.map_png(m)
    view = m._viz_map
    biggest = sorted(range(m.places.size), key=lambda i: -m.places.population[i])[:3]
    for i in biggest:
        row, col = pixel_of(view.ax, view.fig, view.lon[i], view.lat[i], shown.shape[:2])
        color = m.spec.camps[m.camp_of(i)].color
        assert colour_near(shown, row, col, color, radius=3, tol=16), (m.places.names[i], color)


def _wait_img_changed(page, css: str, old_src: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        "([css, old]) => { const i = document.querySelector(css);"
        " return i && i.src !== old && i.complete && i.naturalWidth > 0; }",
        arg=[css, old_src], timeout=timeout)


# Clicks Step in the page and resolves [ms to the wanted week text, ms to a new map image src].
TIME_STEP_JS = """
([want, mapCss]) => new Promise((resolve, reject) => {
  const btn = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step');
  if (!btn) { reject(new Error('no Step button')); return; }
  const oldSrc = document.querySelector(mapCss).src;
  let tWeek = null, tImg = null;
  const t0 = performance.now();
  const check = () => {
    const w = document.querySelector('.sim-week');
    const img = document.querySelector(mapCss);
    if (tWeek === null && w && w.textContent === want) tWeek = performance.now() - t0;
    if (tImg === null && img && img.src !== oldSrc) tImg = performance.now() - t0;
    if (tWeek !== null && tImg !== null) { obs.disconnect(); clearTimeout(timer); resolve([tWeek, tImg]); }
  };
  const obs = new MutationObserver(check);
  obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                              attributeFilter: ['src']});
  const timer = setTimeout(() => { obs.disconnect(); reject(new Error('no update within 15 s')); }, 15000);
  btn.click();
});
"""

MAP = ".sim-map img"
NET = ".sim-network img"
PLOTS = ".sim-plots img"


@pytest.mark.browser
def test_viewer_steps_resets_and_renders(viewer_url, browser_page, tmp_path):
    from playwright.sync_api import expect

    page, problems = browser_page
    expect.set_options(timeout=30_000)  # generous: a Reset rebuilds model and figures, and CI machines are busy
    page.goto(viewer_url)
    step = page.get_by_role("button", **STEP)
    expect(step).to_be_visible(timeout=60_000)
    week = page.locator(".sim-week")
    expect(week).to_have_text("Week 0", timeout=30_000)

    # the main panel is not blank: the three figures are decoded images with real content
    states = {css: _img_state(page, css) for css in (MAP, NET, PLOTS)}
    for css, st in states.items():
        assert st["w"] > 200 and st["h"] > 150, f"{css} looks empty: {st}"
    map_shot0 = page.locator(MAP).screenshot()
    net_shot0 = page.locator(NET).screenshot()
    _check_places_in_their_colours(page, states[MAP]["src"])
    expect(page.locator(".sim-events")).to_contain_text("Events")

    for n in (1, 2, 3):
        step.click()
        expect(week).to_have_text(f"Week {n}")
    expect(page.get_by_text(re.compile(r"^Time: 3(\.0)?$"))).to_be_visible()
    for css in (MAP, NET):
        _wait_img_changed(page, css, states[css]["src"])
    assert page.locator(MAP).screenshot() != map_shot0, "map did not change after 3 steps"
    assert page.locator(NET).screenshot() != net_shot0, "network did not change after 3 steps"

    # move a slider (keyboard on the thumb), then Reset rebuilds the model with it
    slider = page.locator(".v-input", has_text="Contest decisiveness").get_by_role("slider")
    before = slider.get_attribute("aria-valuenow")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    expect(slider).not_to_have_attribute("aria-valuenow", before)
    moved = slider.get_attribute("aria-valuenow")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(week).to_have_text("Week 0")
    header = page.locator(".sim-header")
    expect(header).to_contain_text("parameters.contest_decisiveness=")
    print(f"\nslider moved {before} -> {moved}; header after Reset: {header.inner_text()!r}")

    # latency: Step click -> updated week text (and -> new map image), timed in the page, median of 5
    clicks, images = [], []
    for n in range(1, 6):
        expect(step).to_be_enabled()
        others = {css: _img_state(page, css)["src"] for css in (NET, PLOTS)}
        t_week, t_img = page.evaluate(TIME_STEP_JS, [f"Week {n}", MAP])
        expect(week).to_have_text(f"Week {n}")
        clicks.append(t_week)
        images.append(t_img)
    med, med_img = statistics.median(clicks), statistics.median(images)
    report = (f"scenario {SCENARIO.name}: median Step click -> week text {med:.0f} ms, "
              f"-> new map image {med_img:.0f} ms (5 clicks: {', '.join(f'{c:.0f}' for c in clicks)} ms)")
    (tmp_path / "step_latency.txt").write_text(report + "\n")
    print(report)

    for css, src in others.items():  # all figures of the last week are in before the screenshot
        _wait_img_changed(page, css, src)
    shot = tmp_path / "viewer.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert not problems, "\n".join(problems)


def test_viewer_model_is_the_conflict_model():
    """The viewer's model is ConflictModel itself: same seed, same run; sliders become overrides."""
    pytest.importorskip("matplotlib")
    from sim.model import ConflictModel
    from sim.scenario import load_scenario
    from sim.viz import draw
    from sim.viz import model as vm

    knobs = vm.build_model_params(str(SCENARIO), 3)
    vm.CURRENT_KNOBS = knobs
    settings = {k: v["value"] for k, v in knobs.model_params.items()}
    settings["scenario_file"] = str(SCENARIO)
    viewer = vm.ViewerModel(**settings)
    plain = ConflictModel(load_scenario(SCENARIO).scenario, seed=3)
    for _ in range(6):
        viewer.step()
        plain.step()
    assert viewer.overrides == {}
    assert viewer.summary() == plain.summary()
    assert viewer.recorder.events == plain.recorder.events
    assert len(viewer.history_weeks) == 7
    for png in (draw.map_png(viewer), draw.network_png(viewer), draw.plots_png(viewer)):
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    moved = dict(settings, contest_decisiveness=settings["contest_decisiveness"] + 1.0, seed="5")
    other = vm.ViewerModel(**moved)
    assert other.seed == 5
    assert other.spec.parameters.contest_decisiveness == pytest.approx(settings["contest_decisiveness"] + 1.0)
    assert other.overrides == {"parameters.contest_decisiveness": settings["contest_decisiveness"] + 1.0}


def test_serve_rejects_a_bad_scenario_without_starting(tmp_path, capsys):
    from sim import viz

    bad = tmp_path / "bad.yaml"
    bad.write_text(TOY.read_text().replace("title: Toy proxy war", "title: Toy proxy war\nbogus_key: 1"))
    assert viz.serve(str(bad), 0, "127.0.0.1", _free_port()) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "bogus_key" in err[0], err


SCENARIO_SELECT = ".v-select:has(label:text-is('Scenario'))"


@pytest.mark.browser
def test_viewer_controls_show_values_apply_to_the_scenario_and_bad_values_are_messages(viewer_url, browser_page):
    """Sliders show their values and say they act after Reset; a bad seed is a message (under the field, and
    in the header after Reset), never a traceback; choosing another scenario shows its own controls only
    (its conference, its patrons' budgets) with its own values; the time plots use the page's width."""
    from playwright.sync_api import expect

    if SCENARIO != LIBYA:
        pytest.skip("needs the shipped scenarios")
    page, problems = browser_page
    expect.set_options(timeout=30_000)
    page.goto(viewer_url)
    step = page.get_by_role("button", **STEP)
    expect(step).to_be_visible(timeout=60_000)
    week = page.locator(".sim-week")
    header = page.locator(".sim-header")
    reset = page.get_by_role("button", name="Reset", exact=True)
    expect(page.get_by_text("Scenario, seed and sliders act after Reset.")).to_be_visible()
    expect(page.locator(".v-input", has_text=re.compile(r"Contest decisiveness \(m\): \d"))).to_be_visible()
    expect(page.locator(".v-input", has_text="Palermo conference")).to_be_visible()

    seed = page.get_by_label("Seed (integer)")
    for bad, said in (("-5", "seed -5 is out of range"), ("x1", "seed 'x1' is not a whole number")):
        seed.fill(bad)
        seed.press("Enter")
        expect(page.get_by_text(said).first).to_be_visible()  # under the field, before Reset
        reset.click()
        expect(header).to_contain_text(said)
        expect(header).to_contain_text("Reset used seed 0")
        expect(week).to_have_text("Week 0")
        assert "Traceback (most recent call last)" not in page.inner_text("body")
        step.click()
        expect(week).to_have_text("Week 1")
    seed.fill("2")
    seed.press("Enter")

    page.locator(SCENARIO_SELECT).click()
    page.get_by_role("option", name="libya_2020_01", exact=True).click()
    expect(page.locator(".v-input", has_text="Moscow indirect talks")).to_be_visible()
    expect(page.locator(".v-input", has_text="Palermo conference")).to_have_count(0)
    from sim.scenario import load_scenario

    budget = load_scenario(REPO / "scenarios" / "libya" / "libya_2020_01.yaml").scenario.actors["turkey"].patron.budget
    expect(page.locator(".v-input", has_text=f"Turkey: budget: {budget:g}")).to_be_visible()
    reset.click()
    expect(header).to_contain_text("Libya from the Moscow talks")
    expect(header).to_contain_text("seed 2")
    expect(header).not_to_contain_text("overrides")  # the new scenario's own values are not changes
    expect(header.locator(".sim-error")).to_have_count(0)

    _img_state(page, PLOTS)
    plots, net = page.locator(PLOTS).bounding_box(), page.locator(NET).bounding_box()
    assert plots["width"] > 1.7 * net["width"], (plots, net)
    assert not problems, "\n".join(problems)


def test_viewer_legends_name_the_actors_in_full():
    pytest.importorskip("matplotlib")
    from sim.scenario import load_scenario
    from sim.viz import draw
    from sim.viz import model as vm

    m = vm.ViewerModel(scenario_file=str(SCENARIO), seed=1)
    draw.plots_png(m)
    texts = [t.get_text() for ax in m._viz_timeplots.axes.flat if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert texts and not [t for t in texts if t.endswith(".")], texts
    if SCENARIO == LIBYA:
        assert "Libyan National Army" in texts
    names = {a.name for a in load_scenario(SCENARIO).scenario.actors.values()}
    for t in texts:  # each a name, its short form, or its first words with an ellipsis
        assert t == "all camps" or any(n.startswith(t.rstrip("…")) for n in names), t


@pytest.mark.parametrize("seed,problem", [(-1, "out of range"), (2**63, "out of range"), ("1.5", "not a whole number"),
                                          ("", "not a whole number"), (" 7 ", None)])
def test_viewer_model_takes_any_seed_text(seed, problem):
    from sim.viz import model as vm

    m = vm.ViewerModel(scenario_file=str(TOY), seed=seed)
    if problem is None:
        assert m.seed == 7 and m.load_error is None
    else:
        assert m.seed == 0 and problem in m.load_error
