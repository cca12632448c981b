"""Replication drill: Litestream (the real binary) as a sidecar replicating leadbox's database
to a file replica; leads submitted; leadbox and Litestream killed with SIGKILL; the database
restored from the replica with `litestream restore`; every lead acknowledged more than the
replication window before the kill is present, and the restored file serves.

With `s3`, the replica is S3-compatible storage (a local moto server) instead of a file.

Usage: python3 drills/replication.py target/release/leadbox path/to/litestream [file|s3]"""

import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from common import Leadbox, Load, free_port, request  # noqa: E402

SYNC_SECONDS = 1
# Litestream's own look at the WAL, before each sync (packaging/litestream.yml).
MONITOR_SECONDS = 0.25
# Litestream's turn at the write lock it needs for its own bookkeeping: under this drill's load
# leadbox's writer holds the lock almost all the time, and Litestream waits for it up to its
# busy timeout (1 s by default). Its syncs were measured 0.5-0.7 s apart here, once 1.4 s.
LOCK_WAIT_SECONDS = 1.0
WINDOW_SECONDS = SYNC_SECONDS + MONITOR_SECONDS + LOCK_WAIT_SECONDS


def s3_config(data, log):
    """A moto S3 server on loopback with a bucket, and the packaged S3 replica pointed at it."""
    import boto3  # only the S3 drill needs it (moto[server] brings it)

    port = free_port()
    moto = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"),
                             "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if request(endpoint, "GET", "/", timeout=1)[0]:
            break
        time.sleep(0.1)
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="drill",
                 aws_secret_access_key="drill").create_bucket(Bucket="leadbox-drill")
    os.environ.update(LITESTREAM_ACCESS_KEY_ID="drill", LITESTREAM_SECRET_ACCESS_KEY="drill")
    # The endpoint is plain http on loopback; a machine-wide CA bundle setting only trips
    # Litestream's S3 client here.
    os.environ.pop("AWS_CA_BUNDLE", None)
    return moto, f"""dbs:
  - path: {data}/leadbox.db
    monitor-interval: 250ms
    replica:
      type: s3
      bucket: leadbox-drill
      path: leadbox
      endpoint: {endpoint}
      region: us-east-1
      force-path-style: true
      sync-interval: {SYNC_SECONDS}s
"""


def main(binary, litestream, target="file"):
    work = tempfile.mkdtemp(prefix="leadbox-replication-drill-")
    log = open(os.path.join(work, "drill.log"), "ab")
    data = os.path.join(work, "data")
    replica = os.path.join(work, "replica")
    config = os.path.join(work, "litestream.yml")
    moto = None
    if target == "s3":
        moto, text = s3_config(data, log)
    else:
        # The packaged configuration, pointed at this drill's folders.
        template = open(os.path.join(os.path.dirname(__file__), "..", "packaging", "litestream.yml")).read()
        text = template.replace("/var/lib/leadbox", data).replace("/var/backups/leadbox-replica", replica)
    open(config, "w").write(text)

    server = Leadbox(binary, data, log)
    token = server.token()
    key = server.open_the_form(token)
    sidecar = subprocess.Popen([litestream, "replicate", "-config", config], stdout=log, stderr=log)
    time.sleep(2)
    load = Load(server.base, key, workers=3)
    time.sleep(8)
    killed_at = time.time()
    server.kill9()
    sidecar.kill()
    sidecar.wait()
    load.stop()
    safe = load.acked_before(killed_at - WINDOW_SECONDS)
    print(f"replication drill ({target}): {len(load.acked)} leads acknowledged, {len(safe)} more than "
          f"{WINDOW_SECONDS} s before the kill")
    assert len(safe) > 100, "the drill needs a real load"

    restored = os.path.join(work, "restored", "leadbox.db")
    os.makedirs(os.path.dirname(restored))
    out = subprocess.run([litestream, "restore", "-config", config, "-o", restored,
                          os.path.join(data, "leadbox.db")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    db = sqlite3.connect(restored)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    present = {r[0] for r in db.execute("SELECT id FROM inquiries")}
    db.close()
    missing = [i for i in safe if i not in present]
    assert not missing, f"{len(missing)} leads acknowledged more than {WINDOW_SECONDS} s before the kill are not in the replica"
    # The restored file is a working data folder.
    again = Leadbox(binary, os.path.dirname(restored), log)
    token = again.token()
    s, _ = request(again.base, "GET", f"/api/v1/inquiries/{safe[-1]}", token=token)
    again.stop()
    assert s == 200, s
    if moto:
        moto.kill()
    print(f"replication drill ({target}): all {len(safe)} are in the database restored from the replica "
          f"({len(present)} leads in all); integrity_check = ok; the restored folder serves")


if __name__ == "__main__":
    main(*sys.argv[1:4])
