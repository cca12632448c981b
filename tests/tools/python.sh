#!/usr/bin/env bash
# Makes the Python venv the delivery tests use (an independent Standard Webhooks verifier and
# a real SMTP server) and prints its python. Usage: PY=$(tests/tools/python.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="${LEADBOX_TEST_VENV:-$here/.venv}"
if ! "$venv/bin/python" -c 'import standardwebhooks, aiosmtpd' >/dev/null 2>&1; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "standardwebhooks==1.*" "aiosmtpd==1.4.*" >&2
fi
echo "$venv/bin/python"
