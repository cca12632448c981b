#!/usr/bin/env bash
# Capture with a blocked webhook receiver next to capture with no webhooks, same machine, same
# run, same wrk settings (the PocketBase harness's load.sh: 2 threads, 64 connections, 10 s).
#
#   bash bench/capture_with_webhooks.sh      # 3 rounds of each (ROUNDS=1 for a quick look)
#
# "blocked": a webhook on every lead topic pointing at a loopback listener that accepts
# connections and never answers, so every attempt waits for the 10 s timeout and is retried.
# Every captured lead is still fanned out to it (one delivery row each) while wrk runs.
# Prints each run's SUMMARY, the deliveries queued, then the median throughput ratio.
# BEFORE_BIN=path/to/leadbox adds rounds of an older binary with no webhooks (the cost of the
# delivery machinery itself when nothing is configured).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER="${PEER_DIR:-$ROOT/../shared/peers/pocketbase}"
ROUNDS="${ROUNDS:-3}"
PORT="${LEADBOX_BENCH_PORT:-8131}"
SINK_PORT="${SINK_PORT:-8132}"
OUT="${RESULTS_DIR:-$ROOT/bench/results}"; mkdir -p "$OUT"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
LOG="$OUT/$STAMP-capture-with-webhooks.txt"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v jq >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; }
. "$ROOT/bench/lib.sh"

# A receiver that accepts and never answers.
python3 - "$SINK_PORT" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1024)
held = []
while True:
    c, _ = s.accept(); held.append(c)
PY
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT

round() { # $1 = none|blocked|before, $2 = round number
  local bin="$ROOT/target/release/leadbox"
  [ "$1" = before ] && bin="$BEFORE_BIN"
  leadbox_start "$bin" "$PORT" LEADBOX_WEBHOOK_ALLOW_PRIVATE=true
  local token="$LB_TOKEN" key="$LB_KEY" base="$LB_BASE"
  if [ "$1" = blocked ]; then
    curl -fsS -o /dev/null "$base/api/v1/webhooks" -H "authorization: Bearer $token" \
      -H 'content-type: application/json' \
      -d "{\"url\":\"http://127.0.0.1:$SINK_PORT/hook\",\"topics\":[\"*\"]}"
  fi
  sleep 2
  echo "== leadbox webhooks=$1 round $2"
  "$PEER/load.sh" "$base/api/public/forms/$key/inquiries" "$ROOT/bench/inquiry.json"
  sleep 2
  local rows queued
  rows="$(curl -fsS "$base/api/v1/inquiries/count" -H "authorization: Bearer $token" | jq -r .data.count)"
  queued="$(curl -fsS "$base/metrics" | awk '/^leadbox_deliveries_pending\{channel="webhook"\}/ {print $2}')"
  queued="${queued:-0}"
  echo "rows_created=$rows webhook_deliveries_pending=$queued"
  leadbox_stop
}

run() {
  echo "# capture-with-webhooks benchmark $STAMP"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo)"
  (cd "$ROOT" && cargo build --release --quiet)
  for r in $(seq 1 "$ROUNDS"); do
    if [ -n "${BEFORE_BIN:-}" ]; then round before "$r"; echo; fi
    round none "$r"; echo
    round blocked "$r"; echo
  done
}

run 2>&1 | tee "$LOG"

python3 - "$LOG" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
res = {"none": [], "blocked": [], "before": []}
for b in re.split(r"^== ", text, flags=re.M)[1:]:
    m = re.match(r"leadbox webhooks=(\w+)", b)
    s = re.search(r"SUMMARY .*", b)
    if not (m and s):
        continue
    kv = dict(x.split("=") for x in s.group(0).split()[1:])
    q = re.search(r"webhook_deliveries_pending=(\d*)", b)
    res[m.group(1)].append({"ok_rps": float(kv["ok_rps"]), "p99": float(kv["p99_ms"]),
                           "pending": int(q.group(1) or 0) if q else 0})
med = lambda w, k: statistics.median(r[k] for r in res[w])
print("\n| | no webhooks | blocked webhook | ratio |\n|---|---:|---:|---:|")
for k, label, fmt in [("ok_rps", "2xx per second", "{:.0f}"), ("p99", "p99 latency (ms)", "{:.2f}"),
                      ("pending", "webhook deliveries queued after the run", "{:.0f}")]:
    a, b = med("none", k), med("blocked", k)
    print(f"| {label} | {fmt.format(a)} | {fmt.format(b)} | {(b / a) if a else float('nan'):.2f}× |")
if res["before"]:
    a, b = med("before", "ok_rps"), med("none", "ok_rps")
    print(f"| 2xx per second, no webhooks: before delivery existed → now | {a:.0f} | {b:.0f} | {b / a:.2f}× |")
print(f"\n(medians of {len(res['none'])} rounds each)")
PY
echo "transcript: $LOG"
