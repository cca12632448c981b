"""Shared pieces of the operations drills: run the real leadbox binary, talk HTTP to it,
submit public leads under a bounded load and remember which were acknowledged, and when."""

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

OWNER = {"email": "owner@drill.test", "password": "drill-owner-password-1"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, method, path, body=None, token=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            raw = res.read()
            return res.status, raw
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError):
        return 0, b""


class Leadbox:
    """The binary serving `data_dir`, with a bootstrap owner."""

    def __init__(self, binary, data_dir, log, env=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        full = {
            "PATH": os.environ.get("PATH", ""),
            "LEADBOX_DATA_DIR": data_dir,
            "LEADBOX_PORT": str(self.port),
            "LEADBOX_ADDRESS": "127.0.0.1",
            "LEADBOX_BOOTSTRAP_EMAIL": OWNER["email"],
            "LEADBOX_BOOTSTRAP_PASSWORD": OWNER["password"],
            "LEADBOX_LOG_FILTER": "warn",
        }
        full.update(env or {})
        self.proc = subprocess.Popen([binary, "serve"], env=full, stdout=log, stderr=log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if request(self.base, "GET", "/readyz", timeout=2)[0] == 200:
                return
            if self.proc.poll() is not None:
                raise SystemExit("leadbox exited during start")
            time.sleep(0.1)
        raise SystemExit("leadbox did not become ready")

    def token(self):
        s, b = request(self.base, "POST", "/api/v1/auth/token", OWNER)
        assert s == 201, (s, b)
        return json.loads(b)["data"]["token"]

    def open_the_form(self, token):
        """No per-IP limit: the drill's load comes from one address."""
        s, b = request(self.base, "PATCH", "/api/v1/workspaces/default",
                       {"rateLimits": {"publicPerIpPerMinute": 0, "publicPerWorkspacePerMinute": 0}}, token)
        assert s == 200, (s, b)
        return json.loads(b)["data"]["publicKey"]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill9()

    def kill9(self):
        self.proc.kill()
        self.proc.wait()


class Load:
    """`workers` threads submitting public inquiries until stopped (or `limit` in all); every
    201 is kept with the time its answer arrived."""

    def __init__(self, base, public_key, workers=4, limit=None):
        self.base, self.key, self.limit = base, public_key, limit
        self.acked = []  # (time answered, id)
        self.failed = 0
        self.lock = threading.Lock()
        self.running = True
        self.sent = 0
        self.threads = [threading.Thread(target=self.run, args=(w,), daemon=True) for w in range(workers)]
        for t in self.threads:
            t.start()

    def run(self, worker):
        n = 0
        while self.running:
            with self.lock:
                if self.limit is not None and self.sent >= self.limit:
                    return
                self.sent += 1
            n += 1
            body = {"name": f"Drill {worker}-{n}", "email": f"drill{worker}@example.com",
                    "message": "Replication and restore drill lead."}
            s, b = request(self.base, "POST", f"/api/public/forms/{self.key}/inquiries", body, timeout=5)
            at = time.time()
            with self.lock:
                if s == 201:
                    self.acked.append((at, json.loads(b)["data"]["id"]))
                else:
                    self.failed += 1

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=10)

    def acked_before(self, t):
        with self.lock:
            return [i for (at, i) in self.acked if at < t]
