#!/usr/bin/env bash
# Capture while snapshots are taken next to capture with none, same machine, same run, same wrk
# settings (the PocketBase harness's load.sh: 2 threads, 64 connections, 10 s).
#
#   bash bench/capture_during_snapshots.sh      # 3 rounds of each (ROUNDS=1 for a quick look)
#
# Each round starts a fresh data folder and first fills it with one 10 s run of public submits
# (so a snapshot copies tens of MB, not an empty file), then measures a second 10 s run. In the
# "one" rounds a single snapshot is asked for (POST /api/v1/backups) 3 s into the measured run, as
# a scheduled one would land; in the "loop" rounds snapshots are taken back to back all along.
# Prints each run's SUMMARY, the snapshots taken and their size, then the median ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER="${PEER_DIR:-$ROOT/../shared/peers/pocketbase}"
ROUNDS="${ROUNDS:-3}"
PORT="${LEADBOX_BENCH_PORT:-8133}"
OUT="${RESULTS_DIR:-$ROOT/bench/results}"; mkdir -p "$OUT"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
LOG="$OUT/$STAMP-capture-during-snapshots.txt"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v jq >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; }
. "$ROOT/bench/lib.sh"

round() { # $1 = none|one|loop, $2 = round number
  leadbox_start "$ROOT/target/release/leadbox" "$PORT" LEADBOX_BACKUP_KEEP=2
  local data="$LB_DATA" token="$LB_TOKEN" key="$LB_KEY" base="$LB_BASE"
  "$PEER/load.sh" "$base/api/public/forms/$key/inquiries" "$ROOT/bench/inquiry.json" >/dev/null
  local taken=0 snap_pid="" size
  if [ "$1" = one ]; then
    ( sleep 3; curl -fsS -o /dev/null -X POST "$base/api/v1/backups" -H "authorization: Bearer $token" && echo x
    ) >"$data/snapshots.txt" 2>/dev/null &
    snap_pid=$!
  elif [ "$1" = loop ]; then
    ( while true; do
        curl -fsS -o /dev/null -X POST "$base/api/v1/backups" -H "authorization: Bearer $token" && echo x
      done ) >"$data/snapshots.txt" 2>/dev/null &
    snap_pid=$!
  fi
  echo "== leadbox mode=$1 round $2 (after a 10 s fill)"
  "$PEER/load.sh" "$base/api/public/forms/$key/inquiries" "$ROOT/bench/inquiry.json"
  if [ "$1" = one ]; then wait "$snap_pid" 2>/dev/null || true
  elif [ -n "$snap_pid" ]; then kill "$snap_pid" 2>/dev/null; wait "$snap_pid" 2>/dev/null || true; fi
  [ -f "$data/snapshots.txt" ] && taken="$(wc -l <"$data/snapshots.txt")"
  size="$(du -m "$data/leadbox.db" | cut -f1)"
  echo "snapshots_taken=$taken database_mb=$size"
  leadbox_stop
}

run() {
  echo "# capture-during-snapshots benchmark $STAMP"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo)"
  (cd "$ROOT" && cargo build --release --quiet)
  for r in $(seq 1 "$ROUNDS"); do
    round none "$r"; echo
    round one "$r"; echo
    round loop "$r"; echo
  done
}

run 2>&1 | tee "$LOG"

python3 - "$LOG" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
res = {"none": [], "one": [], "loop": []}
for b in re.split(r"^== ", text, flags=re.M)[1:]:
    m = re.match(r"leadbox mode=(\w+)", b)
    s = re.search(r"SUMMARY .*", b)
    t = re.search(r"snapshots_taken=(\d+) database_mb=(\d+)", b)
    if not (m and s and t):
        continue
    kv = dict(x.split("=") for x in s.group(0).split()[1:])
    res[m.group(1)].append({"ok_rps": float(kv["ok_rps"]), "p99": float(kv["p99_ms"]),
                            "taken": int(t.group(1)), "mb": int(t.group(2))})
med = lambda w, k: statistics.median(r[k] for r in res[w])
print("\n| | no snapshots | one snapshot | ratio | snapshots back to back | ratio |\n|---|---:|---:|---:|---:|---:|")
for k, label, fmt in [("ok_rps", "2xx per second", "{:.0f}"), ("p99", "p99 latency (ms)", "{:.2f}")]:
    a, b, c = med("none", k), med("one", k), med("loop", k)
    print(f"| {label} | {fmt.format(a)} | {fmt.format(b)} | {b / a:.2f}× | {fmt.format(c)} | {c / a:.2f}× |")
print(f"| snapshots taken during the run | 0 | {med('one', 'taken'):.0f} | | {med('loop', 'taken'):.0f} | |")
print(f"| database size at the end (MB) | {med('none', 'mb'):.0f} | {med('one', 'mb'):.0f} | | {med('loop', 'mb'):.0f} | |")
print(f"\n(medians of {len(res['none'])} rounds each)")
PY
echo "transcript: $LOG"
