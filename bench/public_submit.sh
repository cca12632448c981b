#!/usr/bin/env bash
# Public-submit benchmark: leadbox next to PocketBase, same machine, same run, same wrk settings.
#
#   bash bench/public_submit.sh            # 3 rounds each (ROUNDS=1 for a quick look)
#
# leadbox: release build, fresh data folder, synchronous=FULL (its only mode), rate limits
# switched off for the run, POST /api/public/forms/<key>/inquiries with bench/inquiry.json.
# PocketBase: the peer harness in ../shared/peers/pocketbase (bench.sh), public create.
# Both are loaded with that harness's load.sh: wrk 2 threads, 64 connections, 10 s.
# Prints each run's SUMMARY, RSS idle/after/peak, rows vs acknowledged, then the ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEER="${PEER_DIR:-$ROOT/../shared/peers/pocketbase}"
ROUNDS="${ROUNDS:-3}"
PORT="${LEADBOX_BENCH_PORT:-8130}"
OUT="${RESULTS_DIR:-$ROOT/bench/results}"; mkdir -p "$OUT"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
LOG="$OUT/$STAMP-public-submit.txt"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v jq >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; }

. "$ROOT/bench/lib.sh"

rss() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

leadbox_round() {
  leadbox_start "$ROOT/target/release/leadbox" "$PORT"
  local pid="$LB_PID" token="$LB_TOKEN" key="$LB_KEY" base="$LB_BASE"
  sleep 2
  echo "== leadbox $("$ROOT/target/release/leadbox" --version) round $1 (synchronous=FULL)"
  echo "rss_idle_kB=$(rss "$pid" VmRSS)"
  local c0 c1 wrk_out; c0="$(cpu_ticks "$pid")"; wrk_out="$(mktemp)"
  "$PEER/load.sh" "$base/api/public/forms/$key/inquiries" "$ROOT/bench/inquiry.json" | tee "$wrk_out"
  c1="$(cpu_ticks "$pid")"; sleep 1
  echo "server_cpu_s_during_load=$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b-a)/hz}')"
  echo "rss_after_kB=$(rss "$pid" VmRSS) rss_peak_kB=$(rss "$pid" VmHWM) threads=$(rss "$pid" Threads)"
  # The same binary's HTTP ceiling under the same wrk settings: GET /healthz.
  local hz
  hz="$(wrk -t"${THREADS:-2}" -c"${CONNS:-64}" -d"${DURATION:-10s}" --latency "$base/healthz" | awk '/Requests\/sec/ {print $2}')"
  echo "healthz_rps=$hz"
  local rows ok
  rows="$(curl -fsS "$base/api/v1/inquiries/count" -H "authorization: Bearer $token" | jq -r .data.count)"
  ok="$(sed -n 's/.* ok_2xx=\([0-9]*\).*/\1/p' "$wrk_out")"
  echo "rows_created=$rows wrk_ok_2xx=$ok rows_minus_acked=$((rows - ok))"
  leadbox_stop
  rm -f "$wrk_out"
}

run() {
  echo "# public-submit benchmark $STAMP"
  echo "host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo)"
  (cd "$ROOT" && cargo build --release --quiet)
  for r in $(seq 1 "$ROUNDS"); do
    leadbox_round "$r"
    echo
    LABEL="pocketbase-round-$r" RESULTS_DIR="$OUT/pocketbase" "$PEER/bench.sh"
    echo
  done
}

run 2>&1 | tee "$LOG"

# Medians over the rounds, and the ratios the targets are stated in.
python3 - "$LOG" <<'PY'
import re, statistics, sys
text = open(sys.argv[1]).read()
blocks = re.split(r"^== ", text, flags=re.M)
res = {"leadbox": [], "pocketbase": []}
for b in blocks[1:]:
    who = "leadbox" if b.startswith("leadbox") else "pocketbase"
    s = re.search(r"SUMMARY .*", b)
    a = re.search(r"rss_after_kB=(\d+) rss_peak_kB=(\d+)", b)
    if not (s and a):
        continue
    kv = dict(x.split("=") for x in s.group(0).split()[1:])
    hz = re.search(r"healthz_rps=([0-9.]+)", b)
    if hz:
        res.setdefault("healthz", []).append(float(hz.group(1)))
    res[who].append({"ok_rps": float(kv["ok_rps"]), "non_2xx": int(kv["non_2xx"]),
                     "p50": float(kv["p50_ms"]), "p99": float(kv["p99_ms"]),
                     "rss_after": int(a.group(1)) / 1024, "rss_peak": int(a.group(2)) / 1024})
def med(who, k): return statistics.median(r[k] for r in res[who])
print("\n| | leadbox | PocketBase | ratio |\n|---|---:|---:|---:|")
for k, label, fmt in [("ok_rps", "2xx per second", "{:.0f}"), ("p50", "p50 latency (ms)", "{:.2f}"),
                      ("p99", "p99 latency (ms)", "{:.2f}"), ("rss_after", "RSS after the run (MB)", "{:.1f}"),
                      ("rss_peak", "RSS peak (MB)", "{:.1f}"), ("non_2xx", "non-2xx", "{:.0f}")]:
    l, p = med("leadbox", k), med("pocketbase", k)
    ratio = (l / p) if p else float("nan")
    print(f"| {label} | {fmt.format(l)} | {fmt.format(p)} | {ratio:.2f}× |")
print(f"\n(medians of {len(res['leadbox'])} leadbox and {len(res['pocketbase'])} PocketBase rounds)")
if res.get("healthz"):
    hz = statistics.median(res["healthz"])
    print(f"leadbox GET /healthz: {hz:.0f} req/s; capture is {med('leadbox', 'ok_rps') / hz * 100:.0f} % of it")
PY
echo "transcript: $LOG"
