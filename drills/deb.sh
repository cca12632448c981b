#!/usr/bin/env bash
# Package drill: builds the .deb with cargo-deb from the release binary, installs it with
# dpkg -i on this machine, starts the installed binary as the `leadbox` user on the packaged
# paths (/usr/bin/leadbox, /etc/leadbox/leadbox.env, /var/lib/leadbox) and checks /readyz.
# Then removes the package again (the data folder and the user stay, as Debian expects).
# Usage: drills/deb.sh   (needs root and the release binary; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deb >/dev/null 2>&1; then
  echo "deb drill: installing cargo-deb"
  cargo install cargo-deb --locked --quiet --root "${CARGO_DEB_ROOT:-$HOME/.cargo}"
fi
command -v adduser >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq adduser >/dev/null

cargo deb --no-build --quiet
deb=$(ls -t "${CARGO_TARGET_DIR:-target}"/debian/leadbox_*.deb | head -1)
echo "deb drill: $deb ($(du -h "$deb" | cut -f1))"
# The listing is read whole first: `grep -q` stops at its match, and under pipefail the tar
# behind dpkg-deb dying of the broken pipe would fail the drill.
listing="$(dpkg-deb -c "$deb")"
grep -q ' ./usr/bin/leadbox$' <<<"$listing"
grep -q ' ./usr/lib/systemd/system/leadbox.service$' <<<"$listing"

out=$(dpkg -i "$deb" 2>&1)
echo "$out" | grep -q "journalctl -u leadbox" || { echo "$out"; echo "deb drill: postinst did not print the setup hint" >&2; exit 1; }
getent passwd leadbox >/dev/null || { echo "deb drill: no leadbox user" >&2; exit 1; }
[ "$(stat -c %U:%G /var/lib/leadbox)" = "leadbox:leadbox" ] || { echo "deb drill: /var/lib/leadbox is not leadbox's" >&2; exit 1; }
if command -v systemd-analyze >/dev/null 2>&1; then
  systemd-analyze verify /usr/lib/systemd/system/leadbox.service
fi

# The packaged environment file, with a free port for this drill.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
set -a
# shellcheck disable=SC1091
. /etc/leadbox/leadbox.env
set +a
export LEADBOX_DATA_DIR=/var/lib/leadbox LEADBOX_PORT="$port"
(cd /var/lib/leadbox && exec runuser -u leadbox -- /usr/bin/leadbox serve) >"$log" 2>&1 &
pid=$!
ready=""
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=2).status == 200 else 1)" 2>/dev/null; then
    ready=yes; break
  fi
  sleep 0.2
done
owner=$(stat -c %U /var/lib/leadbox/leadbox.db 2>/dev/null || echo none)
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
if [ -z "$ready" ]; then cat "$log"; echo "deb drill: /readyz never answered 200" >&2; exit 1; fi
[ "$owner" = "leadbox" ] || { echo "deb drill: the database belongs to $owner" >&2; exit 1; }
grep -q "/setup/" "$log" || { cat "$log"; echo "deb drill: no setup link in the log" >&2; exit 1; }
echo "deb drill: installed; /usr/bin/leadbox served /readyz 200 as the leadbox user from /var/lib/leadbox"
dpkg --purge leadbox >/dev/null
echo "deb drill: removed again"
