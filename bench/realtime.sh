#!/usr/bin/env bash
# 1,000 admin sockets against the release binary: delivery latency and RSS.
# Raises the open-file limit (server and client each hold ~1,000 sockets), builds, runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ulimit -n 8192
cargo build --release --quiet
cargo bench --quiet --bench realtime
