"""End-to-end tests of the desktop app: the real roster-app window driven through
WebDriver, on real encrypted workspaces, with the real roster-server for sync."""

import os
import subprocess

from harness import DEMO_PASSPHRASE, AppTest, By, Keys, Server, cli

PASSPHRASE = "Lantern-Harbour-Quilt-42!"


class Unlock(AppTest):
    def test_unlock_refuses_a_wrong_passphrase_then_opens_the_team_and_searches(self):
        demo = self.home / "demo"
        env = {"ROSTER_WORKSPACE": str(demo), "ROSTER_PASSPHRASE": DEMO_PASSPHRASE}
        cli("init", "--demo", env=env)
        everyone = cli("members", "list", "--status", "active", "--limit", "1000", env=env)["members"]
        surname = everyone[len(everyone) // 2]["name"].split()[-1]
        expected = sorted(m["email"] for m in cli(
            "members", "list", "--status", "active", "--search", surname, "--limit", "1000", env=env)["members"])

        self.launch()
        self.click('[data-workspace="demo"]')
        self.wait_text("#demo-hint", DEMO_PASSPHRASE)
        self.type("#passphrase", "Wrong-Passphrase-2026!" + Keys.ENTER)
        error = self.wait_for('.error[data-code="wrong_passphrase"]')
        self.assertIn("passphrase", error.text.lower(), "a wrong passphrase says so")
        self.assertFalse(self.find("#shell").is_displayed(), "nothing of the company shows while locked")

        self.type("#passphrase", DEMO_PASSPHRASE + Keys.ENTER)
        self.wait_for("#member-list .row[data-email]")
        self.wait_text("#tab-active .count", str(len(everyone)))

        self.find("body").send_keys("/")
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "search",
                         "/ puts the cursor in the search box")
        self.driver.switch_to.active_element.send_keys(surname)
        self.wait_until(f"the list shows exactly the members matching {surname!r}",
                        lambda: sorted(self.visible_emails()) == expected)
        self.wait_text("#result-count", f"{len(expected)} member")

        # Arrows and Enter open the focused member; Esc closes the panel.
        self.find("#search").send_keys(Keys.ARROW_DOWN)
        self.driver.switch_to.active_element.send_keys(Keys.ENTER)
        self.wait_text("#member-panel", expected[0] if len(expected) == 1 else "@")
        self.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        self.wait_until("the member panel closes", lambda: not self.find_all("dialog[open]"))


class AddMember(AppTest):
    def test_development_is_offered_on_an_eligible_infrastructure_and_refused_on_sentry(self):
        self.launch()
        self.click("#open-demo")
        self.wait_for("#member-list .row[data-email]")
        pending_before = int(self.find("#tab-pending .count").text.replace(",", ""))
        queued_before = self.pending_changes()

        self.find("body").send_keys("n")
        self.wait_for("#invite-form")
        payments_dev = self.find('#invite-infras tr[data-infra="Payments"] input[type=checkbox]')
        self.assertFalse(payments_dev.is_enabled(), "Payments is under a sentry subscription")
        self.assertIn("sentry", self.find('#invite-infras tr[data-infra="Payments"] .why').text)
        factory_why = self.find('#invite-infras tr[data-infra="Factory Floor"] .why').text
        self.assertIn("self-managed", factory_why.replace("self_managed", "self-managed"),
                      "a self-managed infrastructure says why it offers no Development permission")

        self.type("#invite-email", "new.developer@northwind.example")
        self.type("#invite-name", "Nova Developer")
        self.find('#invite-infras select[data-infra="Web Platform"]').send_keys("Member")
        web_dev = self.find('#invite-infras tr[data-infra="Web Platform"] input[type=checkbox]')
        self.assertTrue(web_dev.is_enabled(), "Web Platform is cloud under an enterprise subscription")
        web_dev.click()
        self.click("#send-invitation")
        self.wait_until("the invitation dialog closes", lambda: not self.find_all("dialog[open]"))
        self.wait_text("#tab-pending .count", str(pending_before + 1))
        self.assertEqual(self.pending_changes(), queued_before + 1, "the invitation is queued for the server")

        detail = self.invoke("member", {"email": "new.developer@northwind.example"})
        self.assertTrue(detail["ok"], detail)
        self.assertEqual(detail["value"]["dev_permissions"], ["Web Platform"])

        # The same rule holds when the page asks directly, past the disabled checkbox.
        refused = self.invoke("apply", {"change": {
            "change": "invite", "email": "sneaky@northwind.example", "kind": "it_user",
            "dev": ["Payments"], "name": None}})
        self.assertFalse(refused["ok"], "Development on a sentry infrastructure is refused")
        self.assertEqual(refused["error"]["code"], "dev_permission_not_allowed")
        self.assertIn("sentry", refused["error"]["message"])
        self.assertEqual(self.invoke("status")["value"]["pending_changes"], queued_before + 1,
                         "the refused invitation queued nothing")


class LastCompanyAdmin(AppTest):
    def test_demoting_the_last_company_admin_is_refused_and_nothing_is_queued(self):
        self.launch()
        self.click("#new-local")
        self.type("#company", "Acme")
        self.type("#email", "ada@acme.example")
        self.type("#admin-name", "Ada Admin")
        self.type("#new-passphrase", PASSPHRASE + Keys.ENTER)
        row = self.wait_for('#member-list .row[data-email="ada@acme.example"]')
        queued = self.pending_changes()
        row.click()
        self.wait_for("#company-admin")
        self.assertTrue(self.find("#company-admin").is_selected())
        self.find("#company-admin").click()
        error = self.wait_for('#member-panel .error[data-code="last_company_admin"]')
        self.assertIn("last active Company Admin", error.text)
        self.wait_until("the toggle shows the unchanged state", lambda: self.find("#company-admin").is_selected())
        self.assertEqual(self.pending_changes(), queued, "a refused change queues nothing")
        self.assertEqual(self.invoke("status")["value"]["members"]["company_admins"], 1)


class Capabilities(AppTest):
    def test_a_command_the_window_is_not_granted_is_refused(self):
        self.launch()
        self.assertTrue(self.invoke("overview")["ok"], "a granted command answers")
        for command, args in [("plugin:window|set_title", {"label": "main", "value": "pwned"}),
                              ("plugin:webview|print", {"label": "main"}),
                              ("plugin:event|listen", {"event": "x", "target": {"kind": "Any"}, "handler": 1})]:
            answer = self.invoke(command, args)
            self.assertFalse(answer["ok"], f"{command} must be refused to the window")
            self.assertIn("not allowed", str(answer["error"]), f"{command}: {answer['error']}")
        unknown = self.invoke("export_members", {"path": "/tmp/everyone.csv"})
        self.assertFalse(unknown["ok"], "a command that is not the app's is refused")
        self.assertEqual(self.driver.title, "Roster")


class SyncWithServer(AppTest):
    def test_a_change_made_offline_syncs_when_the_server_is_back_and_a_second_client_sees_it(self):
        server = Server(self.home / "server")
        server.start()
        self.addCleanup(server.stop)

        self.launch()
        self.connect_to_server(server, PASSPHRASE)
        self.wait_text("#syncbar", "Online")

        server.stop()
        self.find("body").send_keys("n")
        self.type("#invite-email", "offline.hire@acme.example")
        self.type("#invite-name", "Olive Offline")
        self.click("#send-invitation")
        self.wait_until("the invitation dialog closes", lambda: not self.find_all("dialog[open]"))
        self.wait_until("the header counts the queued change", lambda: self.pending_changes() == 1)
        self.click("#sync-button")
        self.wait_text("#syncbar .conn", "Offline")
        self.assertEqual(self.pending_changes(), 1, "the change stays queued while offline")
        self.wait_text("#toasts", "Cannot reach the company server")

        server.start()
        self.click("#sync-button")
        self.wait_text("#syncbar .conn", "Online")
        self.wait_until("the queue empties", lambda: self.pending_changes() == 0)
        self.wait_until("the sync that worked takes away the error of the one before",
                        lambda: "Cannot reach" not in self.find("#toasts").text)

        second = self.home / "second"
        env = {"ROSTER_WORKSPACE": str(second), "ROSTER_PASSPHRASE": PASSPHRASE,
               "ROSTER_PASSWORD": Server.PASSWORD}
        login = cli("login", "--server", server.url, "--email", server.admin, env=env, check=False)
        self.assertEqual(login.returncode, 0, f"second client signs in: {login.stderr}")
        seen = cli("members", "show", "offline.hire@acme.example", env=env)
        self.assertEqual(seen["status"], "pending", "the second client sees the member invited offline")
        self.assertEqual(seen["name"], "Olive Offline")
