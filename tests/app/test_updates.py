"""Updates from the company server, in the debug build the other tests drive (built with
the test updater key, see scripts/updater-test-key). A debug build was not installed from
a package, so it verifies a good update and then says it cannot replace itself; the full
install-and-restart runs on the installed .deb (installed_app.py, scripts/test-package).
"""

import hashlib

from harness import APP, AppTest, Keys, Server
from updates import Proxy, fake_deb, publish, sign

PASSPHRASE = "Updates-Lantern-Meadow-2026!"


class Updates(AppTest):
    def open_update(self):
        self.click("#settings-button")
        self.click("#check-updates")
        self.wait_until("the check finishes", lambda: not self.find_all("#update[aria-busy]"))

    def refusal(self):
        """Clicks Install and answers the error shown as (code, message)."""
        self.click("#update-install")
        line = self.wait_for("#update-message .error", timeout=60)
        return line.get_attribute("data-code"), line.text

    def close_dialog(self):
        self.find("dialog[open]").send_keys(Keys.ESCAPE)
        self.wait_until("the dialog closes", lambda: not self.find_all("dialog[open]"))

    def assert_still_running(self, version):
        self.assertEqual(self.invoke("app_version")["value"], version)
        self.assertEqual(hashlib.sha256(APP.read_bytes()).hexdigest(), self.app_hash,
                         "the app's binary is untouched")

    def test_a_signed_newer_version_is_verified_and_tampered_wrongly_signed_and_unsigned_ones_are_refused(self):
        self.app_hash = hashlib.sha256(APP.read_bytes()).hexdigest()
        server = Server(self.home / "server")
        server.start()
        self.addCleanup(server.stop)
        proxy = Proxy(server)
        self.addCleanup(proxy.stop)
        bundles = self.home / "bundles"
        bundles.mkdir()
        good = fake_deb(bundles / "Roster_9.0.0_amd64.deb", "9.0.0")
        publish(server, good, sign(good, "9.0.0"), "9.0.0", notes="Faster search.\nA bulk export.")

        # The check after unlock offers it; "Later" puts it off for this device.
        self.launch()
        self.connect_to_server(proxy, PASSPHRASE)
        current = self.invoke("app_version")["value"]
        self.wait_text("#update-banner", "Roster 9.0.0 is available")
        self.click("#update-later")
        self.wait_until("the banner goes", lambda: not self.find("#update-banner").is_displayed())
        self.assertIn('"9.0.0"', (self.home / "update-postponed.json").read_text())

        # Asked for, it shows the version and notes, downloads and verifies the signature.
        self.open_update()
        self.wait_text("#update-offer", "Roster 9.0.0")
        self.assertIn(f"you have {current}", self.find("#update-offer").text)
        self.assertEqual(self.find("#update-notes").text, "Faster search.\nA bulk export.")
        code, message = self.refusal()
        self.assertEqual(code, "not_installable", message)
        self.assertIn("signature verified", message)
        self.wait_text("#update-stage", f"Roster stays at {current}")
        self.assert_still_running(current)
        self.close_dialog()

        # Someone changes the file on the server after it was signed.
        stored = next((server.data / "releases").rglob("Roster_9.0.0_amd64.deb"))
        tampered = bytearray(stored.read_bytes())
        tampered[-1000] ^= 0xFF
        stored.write_bytes(bytes(tampered))
        self.open_update()
        code, message = self.refusal()
        self.assertEqual(code, "bad_signature", message)
        self.assertIn("does not match its signature", message)
        self.assertIn(f"Roster stays at {current}", message)
        self.assert_still_running(current)
        self.close_dialog()

        # A newer version signed with a key that is not the company's.
        other = fake_deb(bundles / "Roster_9.0.1_amd64.deb", "9.0.1")
        publish(server, other, sign(other, "9.0.1", key="other-key"), "9.0.1", pubkey=False)
        self.open_update()
        self.wait_text("#update-offer", "Roster 9.0.1")
        code, message = self.refusal()
        self.assertEqual(code, "bad_signature", message)
        self.assertIn("signed with a key other than your company's", message)
        self.assert_still_running(current)
        self.close_dialog()

        # Someone between the app and the server strips the signature from the offer.
        proxy.mode = "strip-signature"
        self.open_update()
        line = self.wait_for("#update .error")
        self.assertEqual(line.get_attribute("data-code"), "unsigned_update", line.text)
        self.assertIn("without a signature", line.text)
        self.assertFalse(self.find_all("#update-install"), "nothing to install is offered")
        self.assert_still_running(current)
