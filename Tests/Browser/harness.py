"""Browser-test harness: real headless Chromium (Debian's `chromium` + `chromium-driver`)
driven by Selenium, against a real `wavedefect serve` started by the Swift suite
(Tests/IntegrationTests/BrowserTests.swift) or by hand.

A scenario is a file `scenario_NAME.py` in this directory with a function `run(h)`, where `h`
is a `Harness`. It opens pages with `h.page(identity)` (each page is its own browser with its
own profile, so a host and a guest never share storage or cookies), drives them, asserts with
plain `assert` or `h.fail(...)`, and saves screenshots with `page.screenshots(NAME)`. After
`run` returns, every page's console is checked: any error (an exception, a failed request such
as a missing favicon, a `console.error`) fails the scenario.

Run one scenario by hand against a running dev server:

    python3 Tests/Browser/run.py --base-url http://127.0.0.1:7880 Tests/Browser/scenario_smoke.py

(scenario_crowd.py needs the room of Tests/Browser/rooms/ too: `serve --dev --rooms-dir` a
folder holding both rooms/*.yaml and Tests/Browser/rooms/*.yaml.)
"""

import json
import os
import shutil
import tempfile
import time
import urllib.parse
import urllib.request

DESKTOP = (1280, 900)
PHONE = (390, 844)

# The demo room of rooms/wave-defect-lab.yaml, whose host is `host`.
DEMO_ROOM = "wave-defect-lab"


class ScenarioFailure(AssertionError):
    pass


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromedriver_binary():
    return shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)


class Page:
    """One browser (its own Chromium process and profile) showing one page."""

    def __init__(self, harness, identity, width=DESKTOP[0], height=DESKTOP[1], chromium_args=()):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.harness = harness
        self.identity = identity
        self.profile = tempfile.mkdtemp(prefix="wd-browser-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium_binary()
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu-sandbox",
                    "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-first-run",
                    "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                    f"--user-data-dir={self.profile}", f"--window-size={width},{height}", *chromium_args):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(chromedriver_binary()))
        self.driver.set_page_load_timeout(30)
        self.console = []  # every console entry seen so far (dicts with level, message)
        self.viewport(width, height)

    # Navigation -----------------------------------------------------------------------

    def open(self, path="/", **params):
        """Loads `path` on the server with query parameters (`room`, `identity`, `name`,
        `autojoin=1`…)."""
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        self.driver.get(self.harness.base_url + path + query)
        return self

    def join(self, room=DEMO_ROOM, name=None, identity=None):
        """Opens the room page and joins with a dev token (`autojoin=1`); waits until the
        connection is live."""
        identity = identity or self.identity
        self.open("/", room=room, identity=identity, name=name or identity, autojoin="1")
        self.wait_for_css('#conn-status[data-state="open"]', timeout=30)
        return self

    # Finding and waiting --------------------------------------------------------------

    def testid(self, name, within=None):
        """The element with `data-testid=name` (the first one)."""
        from selenium.webdriver.common.by import By
        return (within or self.driver).find_element(By.CSS_SELECTOR, f'[data-testid="{name}"]')

    def testids(self, name, within=None):
        from selenium.webdriver.common.by import By
        return (within or self.driver).find_elements(By.CSS_SELECTOR, f'[data-testid="{name}"]')

    def css(self, selector):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def wait_for_css(self, selector, timeout=20):
        return self.wait(lambda: (self.css(selector) or [None])[0], timeout, f"an element matching {selector}")

    def wait_for_testid(self, name, timeout=20, visible=True):
        def found():
            for e in self.testids(name):
                if not visible or e.is_displayed():
                    return e
            return None
        return self.wait(found, timeout, f'a {"visible " if visible else ""}[data-testid="{name}"]')

    def wait(self, condition, timeout=20, what="the condition"):
        """Polls `condition()` every 50 ms until it returns something truthy, which is
        returned; fails the scenario with `what` after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        last_error = None
        while True:
            try:
                value = condition()
                if value:
                    return value
            except Exception as e:  # stale elements while the page re-renders
                last_error = e
            if time.monotonic() > deadline:
                self.harness.fail(f"[{self.identity}] timed out after {timeout} s waiting for {what}"
                                  + (f" (last error: {last_error})" if last_error else ""))
            time.sleep(0.05)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    # Screenshots ----------------------------------------------------------------------

    def viewport(self, width, height):
        """Sets the page's viewport (CSS pixels) exactly, independent of window decorations."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def screenshot(self, name, width=DESKTOP[0], height=DESKTOP[1], full_page=True):
        """Saves `NAME.png` in the screenshot folder at this viewport width; with `full_page`,
        as tall as the page (up to 4000 px). Returns the path."""
        self.viewport(width, height)
        time.sleep(0.3)  # let layout and canvases settle at the new size
        if full_page:
            tall = self.js("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
            self.viewport(width, max(height, min(int(tall), 4000)))
            time.sleep(0.2)
        path = os.path.join(self.harness.screenshot_dir, f"{name}.png")
        self.capture(path)
        self.harness.log(f"screenshot {path}")
        self.viewport(*DESKTOP)
        return path

    def capture(self, path, attempts=3):
        """Saves a screenshot, asking again when the renderer does not answer chromedriver
        within its fixed 10 s: a full-page software-rendered (SwiftShader) capture on a loaded
        machine took longer ("Timed out receiving message from renderer: 10.000" in
        scenario_room at load ~30). The picture is what the page shows; nothing is checked."""
        from selenium.common.exceptions import TimeoutException
        for attempt in range(1, attempts + 1):
            try:
                self.driver.save_screenshot(path)
                return
            except TimeoutException as e:
                if attempt == attempts:
                    raise
                self.harness.log(f"screenshot {path}: renderer did not answer (attempt {attempt}): {e.msg}")

    def screenshots(self, name):
        """`NAME-desktop.png` (1280 wide) and `NAME-phone.png` (390 wide)."""
        return (self.screenshot(f"{name}-desktop", *DESKTOP), self.screenshot(f"{name}-phone", *PHONE))

    # Console --------------------------------------------------------------------------

    def read_console(self):
        """Collects console entries logged since the last read (Chromium hands each out once)."""
        try:
            entries = self.driver.get_log("browser")
        except Exception:
            entries = []
        self.console.extend(entries)
        return entries

    def console_errors(self):
        self.read_console()
        return [e for e in self.console if e.get("level") == "SEVERE"]

    def close(self):
        try:
            self.read_console()
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


class Harness:
    def __init__(self, base_url, screenshot_dir, verbose=True):
        self.base_url = base_url.rstrip("/")
        self.screenshot_dir = screenshot_dir
        os.makedirs(screenshot_dir, exist_ok=True)
        self.pages = []
        self.files = []
        self.verbose = verbose

    def log(self, text):
        if self.verbose:
            print(text, flush=True)

    def fail(self, message):
        raise ScenarioFailure(message)

    def page(self, identity, width=DESKTOP[0], height=DESKTOP[1], chromium_args=()):
        """A new browser for `identity` (not yet navigated), started with extra `chromium_args`
        (see `microphone_args`). Closed by the runner."""
        page = Page(self, identity, width, height, chromium_args)
        self.pages.append(page)
        return page

    def host(self):
        """The demo room's host, joined."""
        return self.page("host").join(DEMO_ROOM, name="Host")

    def guest(self, identity="guest"):
        """A guest of the demo room, joined."""
        return self.page(identity).join(DEMO_ROOM, name=identity.capitalize())

    def download(self, path, suffix=""):
        """GET on the server into a temporary file (removed by `close`); returns its path."""
        fd, file = tempfile.mkstemp(prefix="wd-download-", suffix=suffix)
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(self.base_url + path, timeout=20) as r:
            shutil.copyfileobj(r, out)
        self.files.append(file)
        return file

    def get_json(self, path):
        """GET on the server, parsed (for checks against what the page shows)."""
        with urllib.request.urlopen(self.base_url + path, timeout=20) as r:
            return json.loads(r.read())

    def check_consoles(self):
        """Fails when any page logged an error."""
        problems = []
        for page in self.pages:
            for e in page.console_errors():
                problems.append(f"[{page.identity}] {e.get('message')}")
        if problems:
            self.fail("console errors:\n  " + "\n  ".join(problems))

    def close(self):
        for page in self.pages:
            try:
                page.close()
            except Exception as e:
                self.log(f"closing {page.identity}: {e}")
        self.pages = []
        for file in self.files:
            try:
                os.remove(file)
            except OSError:
                pass
        self.files = []


def microphone_args(wav=None):
    """Chromium flags for a page whose microphone is `wav` (looped), granted without a prompt;
    with `wav=None`, no fake device at all (getUserMedia finds no microphone)."""
    if wav is None:
        return ("--use-fake-ui-for-media-stream",)
    return ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}")
