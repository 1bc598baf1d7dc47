#!/bin/bash
# The cost of a Delta table whose log is long: what a table committing every second holds after
# COMMITS seconds (2.6 million over the default 30-day delta.logRetentionDuration). Builds (if
# absent) a table of one CSV row, adds COMMITS commits that change nothing (commitInfo only,
# written by python3) and a checkpoint, then times on copies of it:
#   `table describe` (one snapshot load), 20 `table append`s (one commit each, checkpoints at
#   every tenth: what a streaming writer does), one `sql` count and the dashboard explorer's
#   history query (`history(...) LIMIT 50`).
# Give several binaries to compare them on the same table (e.g. one built before a change).
# usage: bench/long_log.sh WORKDIR COMMITS BINARY...
set -euo pipefail
WORK=${1:-/tmp/financelake-long-log}
COMMITS=${2:-1000000}
shift 2 || true
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=(build/financelake)
BASE="$WORK/base-$COMMITS"
mkdir -p "$WORK"
printf 'id,note\n1,first\n' > "$WORK/row.csv"
if [ ! -f "$BASE/t/_delta_log/_last_checkpoint" ]; then
  rm -rf "$BASE" && mkdir -p "$BASE"
  "${BINS[0]}" table append "$BASE/t" --csv "$WORK/row.csv" > /dev/null
  python3 - "$BASE/t/_delta_log" "$COMMITS" <<'EOF'
import json, os, sys
log, n = sys.argv[1], int(sys.argv[2])
line = json.dumps({"commitInfo": {"timestamp": 0, "operation": "WRITE"}}) + "\n"
for v in range(1, n + 1):
    with open(os.path.join(log, f"{v:020d}.json"), "w") as f:
        f.write(line)
EOF
  "${BINS[0]}" table checkpoint "$BASE/t" > /dev/null
fi
since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
secs() { local t0; t0=$(date +%s%N); "$@" > /dev/null; since "$t0"; }
echo "long_log: a table of $(find "$BASE/t/_delta_log" -maxdepth 1 -type f | wc -l) log files"
printf '%-40s %12s %16s %12s %14s\n' binary "describe s" "20 appends s" "sql s" "history s"
for bin in "${BINS[@]}"; do
  rm -rf "$WORK/copy" && cp -a "$BASE" "$WORK/copy"
  d=$(secs "$bin" table describe "$WORK/copy/t")
  t0=$(date +%s%N)
  for _ in $(seq 1 20); do "$bin" table append "$WORK/copy/t" --csv "$WORK/row.csv" > /dev/null; done
  a=$(since "$t0")
  q=$(secs "$bin" sql --lake "$WORK/copy" "SELECT count(*) FROM t")
  h=$(secs "$bin" sql --lake "$WORK/copy" "SELECT version, operation FROM history('t') LIMIT 50")
  printf '%-40s %12.3f %16.3f %12.3f %14.3f\n' "$bin" "$d" "$a" "$q" "$h"
done
rm -rf "$WORK/copy"
