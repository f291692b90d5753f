"""Takes the README's screenshots of the main screens from the real app on the demo
company: `scripts/test-app` builds what it needs; run with
`ROSTER_APP_TESTS=screenshots scripts/test-app`. Files go to docs/."""

import time
from pathlib import Path

from harness import AppTest, ROOT

DOCS = ROOT / "docs"


class Screenshots(AppTest):
    def shot(self, name):
        time.sleep(0.4)  # let the last frame paint
        self.driver.save_screenshot(str(DOCS / f"app-{name}.png"))

    def test_main_screens(self):
        self.launch()
        self.click("#open-demo")
        self.wait_for("#member-list .row[data-email]")
        self.shot("team")
        self.find("#member-list .row[data-email]").click()
        self.wait_for("#member-panel #member-name")
        self.shot("member")
        self.click('dialog[open] button[aria-label="Close"]')
        self.click("#add-member")
        self.wait_for("#invite-form")
        self.type("#invite-email", "new.developer@northwind.example")
        self.type("#invite-name", "Nova Developer")
        self.shot("add-member")
        self.click('dialog[open] button[aria-label="Close"]')
        for view in ("infras", "matrix", "audit"):
            self.driver.execute_script(f"location.hash = '#{view}'")
            self.wait_for(".page h2")
            self.shot(view)
