"""Restore drill: the release binary under a bounded load of public submits, a snapshot taken
during the load, the server stopped, `leadbox restore` into a fresh data dir, and the restored
server serving every lead acknowledged before the snapshot began; `integrity_check = ok`.

Usage: python3 drills/restore.py target/release/leadbox"""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import Leadbox, Load, request  # noqa: E402


def main(binary):
    work = tempfile.mkdtemp(prefix="leadbox-restore-drill-")
    log = open(os.path.join(work, "leadbox.log"), "ab")
    first = os.path.join(work, "data")
    server = Leadbox(binary, first, log)
    token = server.token()
    key = server.open_the_form(token)
    # The snapshot starts once the load is under way (not after a fixed pause: a fast machine
    # would have finished a bounded load by then), and the load goes on while it is taken.
    load = Load(server.base, key, workers=4, limit=50000)
    deadline = time.time() + 30
    while len(load.acked) < 300 and time.time() < deadline:
        time.sleep(0.05)
    started = time.time()
    s, b = request(server.base, "POST", "/api/v1/backups", {}, token, timeout=60)
    took = time.time() - started
    assert s == 201, (s, b)
    snapshot = json.loads(b)["data"]["name"]
    before = load.acked_before(started)
    time.sleep(1)
    load.stop()
    server.stop()
    during = [i for (at, i) in load.acked if started <= at <= started + took]
    print(f"restore drill: {len(load.acked)} leads acknowledged ({load.failed} failed), "
          f"{len(before)} before the snapshot, {len(during)} answered while it was taken ({took * 1000:.0f} ms)")
    assert load.failed == 0, "a submit failed under load"
    assert len(before) > 0 and len(during) > 0, "the snapshot must be taken during the load"

    fresh = os.path.join(work, "restored")
    env = dict(os.environ, LEADBOX_DATA_DIR=fresh, LEADBOX_LOG_FILTER="warn")
    file = os.path.join(first, "backups", snapshot)
    out = subprocess.run([binary, "verify", file], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([binary, "restore", file], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    print("restore drill:", out.stdout.strip().splitlines()[0])

    restored = Leadbox(binary, fresh, log)
    token = restored.token()
    missing = []
    for lead_id in before:
        s, _ = request(restored.base, "GET", f"/api/v1/inquiries/{lead_id}", token=token)
        if s != 200:
            missing.append((lead_id, s))
    restored.stop()
    assert not missing, f"{len(missing)} acknowledged leads are not served after the restore: {missing[:5]}"
    check = sqlite3.connect(os.path.join(fresh, "leadbox.db")).execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok", check
    print(f"restore drill: all {len(before)} leads acknowledged before the snapshot are served; integrity_check = ok")


if __name__ == "__main__":
    main(sys.argv[1])
