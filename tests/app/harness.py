"""The real Roster app under WebDriver: tauri-driver starts the debug build of roster-app
(with WebKitWebDriver underneath) in the X display of the caller (xvfb-run), with its
workspaces in a fresh folder; plus the real roster-server and the roster CLI.

Binaries come from target/debug (scripts/test-app builds them). Screenshots go to
target/app-screenshots, one per test; look at them.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import urllib3
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
# The installed-package test points this at /usr/bin/roster-app.
APP = Path(os.environ.get("ROSTER_APP_BINARY", TARGET / "debug" / "roster-app"))
SERVER = TARGET / "debug" / "roster-server"
CLI = TARGET / "debug" / "roster"
SHOTS = TARGET / "app-screenshots"
DEMO_PASSPHRASE = "Demo-Passphrase-2026!"
WAIT = 20

__all__ = ["AppTest", "By", "Keys", "EC", "Server", "cli", "free_port", "DEMO_PASSPHRASE"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def cli(*args, env=None, check=True):
    """Runs the roster CLI with `--json`; returns its parsed output (or the process)."""
    result = subprocess.run([str(CLI), "--json", *args], env={**os.environ, **(env or {})},
                            capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"roster {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return json.loads(result.stdout) if check and result.stdout.strip() else result


class Server:
    """A real roster-server on a fixed loopback port, so it can be stopped and started
    again at the same address."""

    PASSWORD = "Server-Harbour-Quilt-2026!"

    def __init__(self, data, company="Acme", admin="admin@acme.example"):
        self.data = Path(data)
        self.admin = admin
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log = None
        subprocess.run([str(SERVER), "init", "--data", str(self.data), "--company", company, "--admin", admin],
                       env={**os.environ, "ROSTER_ADMIN_PASSWORD": self.PASSWORD}, check=True,
                       capture_output=True, timeout=60)

    def start(self):
        self.log = open(self.data / "server.log", "ab")
        self.process = subprocess.Popen(
            [str(SERVER), "serve", "--data", str(self.data), "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        wait_for_port(self.port)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None
        if self.log:
            self.log.close()
            self.log = None


class AppTest(unittest.TestCase):
    """Each test gets its own workspaces folder, tauri-driver and app."""

    def setUp(self):
        self.home = Path(tempfile.mkdtemp(prefix="roster-app-test-"))
        self.addCleanup(shutil.rmtree, self.home, ignore_errors=True)
        self.driver = None

    def launch(self):
        """Starts the app on this test's workspaces folder and waits for its first screen."""
        port, native = free_port(), free_port()
        env = {**os.environ, "ROSTER_HOME": str(self.home), "ROSTER_LOG": "info"}
        self.driver_log = open(self.home / "tauri-driver.log", "ab")
        self.addCleanup(self.driver_log.close)
        self.tauri_driver = subprocess.Popen(
            ["tauri-driver", "--port", str(port), "--native-port", str(native),
             "--native-driver", shutil.which("WebKitWebDriver") or "/usr/bin/WebKitWebDriver"],
            env=env, stdout=self.driver_log, stderr=self.driver_log)
        self.addCleanup(self._stop_driver)
        wait_for_port(port)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(APP)})
        # tauri-driver listens before WebKitWebDriver behind it is ready; a first session
        # request can be dropped then, so try a few times.
        for attempt in range(5):
            try:
                self.driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
                break
            except (WebDriverException, ConnectionError, urllib3.exceptions.HTTPError):
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
        self.addCleanup(self._quit)
        self.wait_for("#gate:not([hidden]) .gate-card h1, #shell:not([hidden])")
        return self.driver

    def _quit(self):
        try:
            SHOTS.mkdir(parents=True, exist_ok=True)
            self.driver.save_screenshot(str(SHOTS / f"{self._testMethodName}.png"))
        except Exception:  # the screenshot is a courtesy; the verdict is the assertions
            pass
        try:
            self.driver.quit()
        except Exception:
            # An app that restarted itself (an update) has left its WebDriver session.
            if not getattr(self, "session_gone", False):
                raise

    def _stop_driver(self):
        self.tauri_driver.terminate()
        try:
            self.tauri_driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.tauri_driver.kill()

    # -- finding and waiting ---------------------------------------------------------------

    def wait_for(self, css, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout).until(
                EC.visibility_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise AssertionError(f"nothing visible matches {css!r} after {timeout} s") from None

    def wait_text(self, css, text, timeout=WAIT):
        try:
            WebDriverWait(self.driver, timeout).until(
                EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
        except TimeoutException:
            found = [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)]
            raise AssertionError(f"{css!r} never said {text!r}; it says {found!r}") from None
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait_until(self, what, predicate, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout).until(lambda d: predicate())
        except TimeoutException:
            raise AssertionError(f"timed out waiting until {what}") from None

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def click(self, css, timeout=WAIT):
        """Clicks what `css` matches, finding it again when a view re-rendered it between
        the find and the click (the sync bar does whenever the queue or connection changes)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.wait_for(css, timeout).click()
                return
            except StaleElementReferenceException:
                if time.monotonic() > deadline:
                    raise

    def type(self, css, text, clear=True):
        field = self.wait_for(css)
        if clear:
            field.clear()
        field.send_keys(text)
        return field

    def connect_to_server(self, server, passphrase):
        """Makes a workspace from `server` through the first-run form (`server.url` may be
        a proxy in front of it) and waits for the team list."""
        self.click("#new-server")
        self.type("#server", server.url)
        self.type("#email", server.admin)
        self.type("#password", Server.PASSWORD)
        self.type("#new-passphrase", passphrase + Keys.ENTER)
        try:
            self.wait_for(f'#member-list .row[data-email="{server.admin}"]', timeout=60)
        except AssertionError as failed:
            # What the window says (an error under the form, a toast) is why.
            shown = self.driver.find_element(By.TAG_NAME, "body").text
            raise AssertionError(f"{failed}; the window shows:\n{shown[:2000]}") from None

    def invoke(self, command, args=None):
        """Calls a command from the page as the UI would; returns {ok, value} or
        {ok: false, error}."""
        return self.driver.execute_async_script(
            """
            const [command, args, done] = arguments;
            window.__TAURI__.core.invoke(command, args)
              .then((value) => done({ ok: true, value }))
              .catch((error) => done({ ok: false, error }));
            """, command, args or {})

    # Read in one script: the status bar and the list are redrawn as the heartbeat and
    # syncs answer, so an element found by one WebDriver call may be gone by the next.
    def visible_emails(self):
        return self.driver.execute_script(
            "return [...document.querySelectorAll('#member-list .row[data-email]')]"
            ".map((row) => row.dataset.email);")

    def pending_changes(self):
        return int(self.driver.execute_script(
            "return document.querySelector('#pending').textContent;").split()[0])
