"""Figures of the desktop app, each next to a baseline measured in the same run:

- start to an interactive team list (rows drawn), against a minimal Tauri app showing a
  static list (bench/tauri-baseline), both release builds started through tauri-driver;
- idle memory of every process of each app (the app and its WebKit processes), as PSS;
- search-as-you-type latency in the team list (keystroke to rows drawn), against the same
  query's `members` command answered to the page without drawing.

Run by scripts/bench-app; `--members` sets the demo company's size.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions

sys.path.insert(0, str(Path(__file__).parent))
from harness import DEMO_PASSPHRASE, TARGET, free_port, wait_for_port  # noqa: E402

RELEASE = TARGET / "release"


def descendants(pid):
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def app_pid(binary):
    out = subprocess.run(["pgrep", "-n", "-f", str(binary)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


class Launched:
    """One app started through tauri-driver; `seconds` is session request → ready."""

    def __init__(self, binary, env, ready_css, ready_count=1):
        port, native = free_port(), free_port()
        requested = time.time()
        self.driver_process = subprocess.Popen(
            ["tauri-driver", "--port", str(port), "--native-port", str(native)],
            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # tauri-driver listens before the WebKitWebDriver behind it does, and drops a session
        # asked for in between: wait for both, so the clock starts at a request that lands.
        wait_for_port(port)
        wait_for_port(native)
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(binary)})
        started = time.perf_counter()
        self.driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        while len(self.driver.find_elements(By.CSS_SELECTOR, ready_css)) < ready_count:
            if time.perf_counter() - started > 120:
                raise TimeoutError(f"{binary} never showed {ready_css}")
            time.sleep(0.01)
        self.seconds = time.perf_counter() - started
        self.pid = app_pid(binary)
        self.phases = self._phases(requested)

    def _phases(self, requested):
        """Where the start went, in ms: until the page's clock starts (process, window and
        WebKit up), until its scripts have run (DOMContentLoaded), and until ready."""
        page = self.driver.execute_script(
            "const nav = performance.getEntriesByType('navigation')[0];"
            "return [performance.timeOrigin, nav ? nav.domContentLoadedEventEnd : 0,"
            " performance.getEntriesByType('measure').map(m => [m.name, m.startTime, m.duration])];")
        self.calls = page[2]
        origin = page[0] / 1000
        webkit = (origin - requested) * 1000
        return {"webview up": webkit, "scripts run": page[1], "list drawn": self.seconds * 1000 - webkit - page[1]}

    def memory_kib(self, settle=5):
        time.sleep(settle)
        return pss_kib(descendants(self.pid)) if self.pid else 0

    def close(self):
        self.driver.quit()
        self.driver_process.terminate()
        self.driver_process.wait(timeout=10)


SEARCH_JS = """
const [queries, done] = arguments;
const input = document.querySelector('#search');
const rows = document.querySelector('#member-list .rows');
const invoke = window.__TAURI__.core.invoke;
const typed = [];
const dom = [];
const raw = [];
let inDom = 0;
const nextDraw = () => new Promise((resolve) => {
  const seen = new MutationObserver(() => {
    seen.disconnect();
    inDom = performance.now();
    requestAnimationFrame(() => resolve());
  });
  seen.observe(rows, { childList: true });
});
(async () => {
  for (const q of queries) {
    let t = performance.now();
    await invoke('members', { filter: { search: q, status: 'active', limit: 200, offset: 0, with_total: true } });
    raw.push(performance.now() - t);
    t = performance.now();
    const drawn = nextDraw();
    input.value = q;
    input.dispatchEvent(new Event('input'));
    await drawn;
    typed.push(performance.now() - t);
    dom.push(inDom - t);
  }
  done({ typed, dom, raw });
})();
"""


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="roster-bench-app-"))
    try:
        demo = home / "demo"
        env = {**os.environ, "ROSTER_WORKSPACE": str(demo), "ROSTER_PASSPHRASE": DEMO_PASSPHRASE}
        t = time.perf_counter()
        subprocess.run([str(RELEASE / "roster"), "init", "--demo", "--members", str(args.members), "--remember"],
                       env=env, check=True, capture_output=True)
        print(f"demo company of {args.members:,} members made in {time.perf_counter() - t:.1f} s "
              "(key remembered in the keychain, as an admin who ticked 'remember on this device')")

        roster_env = {"ROSTER_HOME": str(home), "ROSTER_DEMO": "1"}
        starts = {"baseline": [], "roster": []}
        phases = {"baseline": [], "roster": []}
        app_calls = []
        memory = {"baseline": [], "roster": []}
        search = None
        for run in range(args.runs):
            for name in ("baseline", "roster"):
                if name == "baseline":
                    app = Launched(RELEASE / "tauri-baseline", {}, "#list li", 40)
                else:
                    app = Launched(RELEASE / "roster-app", roster_env, "#member-list .row[data-email]")
                starts[name].append(app.seconds)
                phases[name].append(app.phases)
                if name == "roster":
                    app_calls = app.calls
                memory[name].append(app.memory_kib())
                if name == "roster" and run == args.runs - 1:
                    words = ["m", "ma", "mar", "mari", "maria", "p", "pe", "pet", "petr", "petro",
                             "a", "an", "ann", "anna", "o", "ob", "obr", "obrien", "k", "ko"]
                    search = app.driver.execute_async_script(SEARCH_JS, words)
                app.close()

        def line(label, values, unit, fmt):
            return f"{label:<44} {fmt(statistics.median(values))} {unit}"

        base_start, app_start = statistics.median(starts["baseline"]), statistics.median(starts["roster"])
        base_mem, app_mem = statistics.median(memory["baseline"]), statistics.median(memory["roster"])
        print(f"\nmedian of {args.runs} runs each, release builds, through tauri-driver under Xvfb")
        print(f"{'start to interactive list: minimal Tauri app':<52} {base_start * 1000:8.0f} ms")
        print(f"{'start to interactive team list: Roster':<52} {app_start * 1000:8.0f} ms   {app_start / base_start:.2f}x")
        if app_calls:
            print("  the last start's commands (ms from the page's start: begin +duration): " + ", ".join(
                f"{name.removeprefix('ipc ')} {begin:.0f} +{took:.0f}" for name, begin, took in app_calls))
        for phase in phases["roster"][0]:
            base = statistics.median(p[phase] for p in phases["baseline"])
            ours = statistics.median(p[phase] for p in phases["roster"])
            print(f"{'  of which ' + phase + ': minimal / Roster':<52} {base:8.0f} ms / {ours:.0f} ms")
        print(f"{'idle memory, all processes (PSS): minimal Tauri app':<52} {base_mem / 1024:8.1f} MiB")
        print(f"{'idle memory, all processes (PSS): Roster':<52} {app_mem / 1024:8.1f} MiB   {app_mem / base_mem:.2f}x")
        typed, dom, raw = search["typed"], search["dom"], search["raw"]
        print(f"\nsearch as you type at {args.members:,} members ({len(typed)} keystrokes)")
        print(f"{'keystroke to rows in the page (before paint)':<52} p50 {percentile(dom, 50):6.1f} ms  p95 {percentile(dom, 95):6.1f} ms")
        print(f"{'keystroke to rows painted (next frame)':<52} p50 {percentile(typed, 50):6.1f} ms  p95 {percentile(typed, 95):6.1f} ms")
        print(f"{'the same query over IPC, no drawing (baseline)':<52} p50 {percentile(raw, 50):6.1f} ms  p95 {percentile(raw, 95):6.1f} ms"
              f"   rows in the page at {percentile(dom, 50) / max(percentile(raw, 50), 0.001):.2f}x of it")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
