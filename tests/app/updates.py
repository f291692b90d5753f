"""What the update tests share: the updater keys (made once per checkout under
target/updater-test by scripts/updater-test-key, never committed), signing with the Tauri
CLI as an operator would, publishing with `roster-server release add`, and a proxy that
stands between the app and the real server to play a hostile network.
"""

import gzip
import http.client
import http.server
import json
import os
import subprocess
import threading
from pathlib import Path

from harness import ROOT, SERVER, TARGET

KEYS = TARGET / "updater-test"


def sign(bundle, version, key="key"):
    """Signs `bundle` with one of the test keys the way an operator does, with the Tauri CLI
    (scripts/tauri); returns the .sig."""
    subprocess.run([str(ROOT / "scripts" / "tauri"), "signer", "sign",
                    "--private-key-path", str(KEYS / key), "--password", "",
                    "--app-version", version, str(bundle)],
                   check=True, capture_output=True, timeout=120, cwd=ROOT)
    return Path(f"{bundle}.sig")


def publish(server, bundle, signature, version, notes=None, pubkey=True):
    """`roster-server release add`; with `pubkey` the server checks the signature first."""
    args = [str(SERVER), "release", "add", "--data", str(server.data), "--file", str(bundle),
            "--signature", str(signature), "--version", version]
    if notes:
        args += ["--notes", notes]
    if pubkey:
        args += ["--pubkey", str(KEYS / "key.pub")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"release add failed: {result.stderr}")
    return result.stdout


def fake_deb(path, version):
    """A file that starts as every .deb does; enough for a build that cannot install."""
    payload = b"!<arch>\ndebian-binary   1767225600  0     0     100644  4         `\n2.0\n"
    payload += f"roster {version}\n".encode() + os.urandom(400_000)
    path.write_bytes(payload)
    return path


class Proxy:
    """Forwards every request to the real server. `mode` makes it hostile:
    `strip-signature` drops the signature from the update offer."""

    def __init__(self, server):
        self.mode = "pass"
        self.admin = server.admin
        upstream_port = server.port
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                except OSError:
                    self.send_error(502)
                    return
                finally:
                    upstream.close()
                dropped = ("content-length", "transfer-encoding", "connection")
                if (proxy.mode == "strip-signature" and self.path.startswith("/api/v1/updates/")
                        and answer.status == 200 and "json" in (answer.getheader("Content-Type") or "")):
                    # The server gzips JSON for clients that accept it; the offer is rewritten plain.
                    if answer.getheader("Content-Encoding") == "gzip":
                        data = gzip.decompress(data)
                    offer = json.loads(data)
                    offer.pop("signature", None)
                    data = json.dumps(offer).encode()
                    dropped += ("content-encoding",)
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in dropped:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
