# Shared by the capture benchmarks (sourced, not run).
#
#   leadbox_start BINARY PORT [NAME=value ...]
#
# Starts BINARY on a fresh data folder with the benchmark's owner, extra environment NAME=value,
# waits for /readyz, signs in and switches the default workspace's rate limits off. Sets
# LB_PID, LB_DATA (the folder; the server's log is serve.log in it), LB_BASE, LB_TOKEN and
# LB_KEY (the workspace's public key).
leadbox_start() {
  local bin="$1" port="$2"
  shift 2
  LB_BASE="http://127.0.0.1:$port"
  LB_DATA="$(mktemp -d /tmp/leadbox-bench-XXXXXX)"
  env LEADBOX_DATA_DIR="$LB_DATA" LEADBOX_PORT="$port" LEADBOX_LOG_FILTER=warn \
    LEADBOX_BOOTSTRAP_EMAIL=bench@example.com LEADBOX_BOOTSTRAP_PASSWORD=bench-password-1 \
    "$@" "$bin" >"$LB_DATA/serve.log" 2>&1 &
  LB_PID=$!
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$LB_BASE/readyz" 2>/dev/null && break; sleep 0.1; done
  LB_TOKEN="$(curl -fsS "$LB_BASE/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"bench-password-1"}' | jq -r .data.token)"
  LB_KEY="$(curl -fsS -X PATCH "$LB_BASE/api/v1/workspaces/default" \
    -H "authorization: Bearer $LB_TOKEN" -H 'content-type: application/json' \
    -d '{"rateLimits":{"publicPerIpPerMinute":0,"publicPerWorkspacePerMinute":0}}' | jq -r .data.publicKey)"
}

# Stops the server leadbox_start started and removes its folder.
leadbox_stop() {
  kill "$LB_PID"
  wait "$LB_PID" 2>/dev/null || true
  rm -rf "$LB_DATA"
}
