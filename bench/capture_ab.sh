#!/usr/bin/env bash
# Two leadbox builds compared on public capture, in interleaved single rounds (A, B, A, B, …),
# so the machine's slow minutes fall on both. Each round: a fresh data folder, rate limits off,
# wrk as in bench/public_submit.sh (2 threads, 64 connections, 10 s) through the peer's load.sh.
#
#   bash bench/capture_ab.sh OLD_BINARY NEW_BINARY [PAIRS]      # PAIRS defaults to 5
#
# Per round it prints captures/s, p50/p99, the server's CPU per capture and the writer
# thread's CPU per capture (from /proc; the writer's is the serial part that bounds capture),
# then the mean and median of each over the rounds of each build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER="${PEER_DIR:-$ROOT/../shared/peers/pocketbase}"
A="$(realpath "$1")"; B="$(realpath "$2")"; PAIRS="${3:-5}"
PORT="${LEADBOX_BENCH_PORT:-8131}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v jq >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; }

. "$ROOT/bench/lib.sh"

ticks() { awk '{print $14 + $15}' "$1"; }
writer_stat() {
  local t
  for t in /proc/"$1"/task/*; do
    [ "$(cat "$t/comm")" = "leadbox-writer" ] && { echo "$t/stat"; return; }
  done
}

round() {
  local bin="$1" label="$2"
  leadbox_start "$bin" "$PORT"
  local pid="$LB_PID" key="$LB_KEY" base="$LB_BASE"
  sleep 1
  local ws c0 c1 w0 w1 out hz
  ws="$(writer_stat "$pid")"
  c0="$(ticks "/proc/$pid/stat")"; w0="$(ticks "$ws")"; out="$(mktemp)"
  "$PEER/load.sh" "$base/api/public/forms/$key/inquiries" "$ROOT/bench/inquiry.json" >"$out"
  c1="$(ticks "/proc/$pid/stat")"; w1="$(ticks "$ws")"
  hz="$(getconf CLK_TCK)"
  # The server's own view: the share of captures it took over 10 ms to answer.
  local slow
  slow="$(curl -fsS "$base/metrics" | awk -F'[ ]' '/^leadbox_http_request_duration_seconds_bucket\{method="POST",route="\/api\/public\/forms/ {
      if ($1 ~ /le="0.01"/) u = $2; if ($1 ~ /le="\+Inf"/) n = $2 }
    END { if (n > 0) printf "%.2f", (n - u) / n * 100; else print "nan" }')"
  awk -v label="$label" -v c="$((c1 - c0))" -v w="$((w1 - w0))" -v hz="$hz" -v slow="$slow" '
    /^SUMMARY/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] = kv[2] }
      n = s["ok_2xx"]
      printf "ROUND %s ok_rps=%s p50_ms=%s p99_ms=%s server_us_per_capture=%.1f writer_us_per_capture=%.1f server_over_10ms_pct=%s\n",
        label, s["ok_rps"], s["p50_ms"], s["p99_ms"], c / hz * 1e6 / n, w / hz * 1e6 / n, slow }' "$out"
  leadbox_stop
  rm -f "$out"
}

{
  echo "# capture A/B $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
  echo "A=$A"; echo "B=$B"
  for i in $(seq 1 "$PAIRS"); do
    round "$A" A
    round "$B" B
  done
} | tee /tmp/capture_ab.last | grep -v '^$'

python3 - /tmp/capture_ab.last <<'PY'
import re, statistics, sys
rows = {"A": [], "B": []}
for line in open(sys.argv[1]):
    if line.startswith("ROUND "):
        parts = line.split()
        rows[parts[1]].append({k: float(v) for k, v in (p.split("=") for p in parts[2:])})
keys = ["ok_rps", "p50_ms", "p99_ms", "server_us_per_capture", "writer_us_per_capture", "server_over_10ms_pct"]
print("\n| mean (median) | A | B | B/A |\n|---|---:|---:|---:|")
for k in keys:
    a = [r[k] for r in rows["A"]]; b = [r[k] for r in rows["B"]]
    if not a or not b:
        continue
    ma, mb = statistics.mean(a), statistics.mean(b)
    print(f"| {k} | {ma:.1f} ({statistics.median(a):.1f}) | {mb:.1f} ({statistics.median(b):.1f}) | {mb / ma:.3f} |")
PY
