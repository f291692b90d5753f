"""The installed package, as an admin gets it: the .deb that scripts/test-package installed
with `dpkg -i`, started from /usr/bin under Xvfb through WebDriver, then updated from a
real roster-server to a newer signed .deb. The app downloads the offer, verifies it against
the key built into it, installs it (through sudo, as the updater does on Linux) and
restarts into the new version.

Run by scripts/test-package, which sets ROSTER_APP_BINARY, ROSTER_NEWER_DEB and
ROSTER_NEWER_VERSION; not part of the debug-build suite.
"""

import os
import subprocess
import time
from pathlib import Path

from harness import SHOTS, AppTest, Server
from updates import publish

PASSPHRASE = "Installed-Lantern-Quay-2026!"


def installed_version():
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "roster"], capture_output=True,
                          text=True, check=True).stdout.strip()


def package_state():
    """The package's version and dpkg's status of it ("ii" once fully installed), read while
    dpkg may be installing it: mid-install dpkg shows the new version half-installed, and a
    read that races dpkg's rewrite of its database can show the old one, so only a read that
    says "ii" settles what is installed. A read that fails is no answer yet."""
    read = subprocess.run(["dpkg-query", "-W", "-f=${Version} ${db:Status-Abbrev}", "roster"],
                          capture_output=True, text=True)
    fields = read.stdout.split()
    return tuple(fields) if read.returncode == 0 and len(fields) == 2 else None


def app_pids(binary):
    """Processes running the app binary now, by what /proc says their executable is."""
    pids = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                pids[int(proc.name)] = os.readlink(proc / "exe")
            except OSError:
                continue
    return {pid: exe for pid, exe in pids.items() if exe.startswith(str(binary))}


class InstalledApp(AppTest):
    def test_the_installed_app_opens_and_updates_itself_to_a_newer_signed_release(self):
        binary = Path(os.environ["ROSTER_APP_BINARY"])
        newer_deb = Path(os.environ["ROSTER_NEWER_DEB"])
        newer = os.environ["ROSTER_NEWER_VERSION"]
        current = installed_version()
        self.assertNotEqual(current, newer)

        server = Server(self.home / "server")
        server.start()
        self.addCleanup(server.stop)
        out = publish(server, newer_deb, Path(f"{newer_deb}.sig"), newer, notes="The packaged test release.")
        self.assertIn("signature verified", out)

        # The installed app opens its window.
        self.launch()
        self.assertEqual(self.driver.title, "Roster")
        self.assertEqual(self.invoke("app_version")["value"], current)
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SHOTS / "installed-app-window.png"))

        self.connect_to_server(server, PASSPHRASE)

        before = app_pids(binary)
        self.assertTrue(before, "the app runs from the installed binary")
        self.wait_text("#update-banner", f"Roster {newer} is available")
        self.click("#update-view")
        self.wait_text("#update-offer", f"Roster {newer}")
        self.click("#update-install")
        self.driver.save_screenshot(str(SHOTS / "installed-app-updating.png"))

        deadline = time.monotonic() + 180
        state = package_state()
        while state != (newer, "ii") and time.monotonic() < deadline:
            time.sleep(0.5)
            state = package_state()
        self.assertEqual(state, (newer, "ii"), "dpkg has installed the newer version, whole")

        # The old process restarts into the new binary: a new process whose executable is
        # the file dpkg just put in place (not the deleted old one).
        restarted = {}
        while not restarted and time.monotonic() < deadline:
            restarted = {pid: exe for pid, exe in app_pids(binary).items()
                         if pid not in before and not exe.endswith("(deleted)")}
            time.sleep(0.5)
        for pid in restarted:
            self.addCleanup(os.kill, pid, 15)
        self.assertTrue(restarted, "the app restarted into the new version")
        self.session_gone = True
