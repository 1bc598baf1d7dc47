#!/bin/bash
# Silver bank pass time in a continuous `financelake pipeline` on a lake with a large
# silver/bank_transactions: builds the lake if absent (N simulated bank transactions ingested and
# run through the pipeline once), then starts `pipeline --trigger-ms 200` with BINARY, ingests
# 1000 more transactions ROUNDS times and prints, per round, the time from the ingest's commit to
# the Silver line for that Bronze version (and the pass time the line reports).
# usage: bench/bank_pass_latency.sh [BINARY] [LAKE] [N] [ROUNDS]
set -euo pipefail
BIN=${1:-build/financelake}
LAKE=${2:-/tmp/financelake-bank-pass}
N=${3:-5000000}
ROUNDS=${4:-4}
ING=build/financelake  # the ingest side is the same for every BINARY compared
sim() { "$ING" ingest --lake "$LAKE" --source sim --topics bank-transactions --count "$1" \
          --accounts 50000 --start 2026-01-01 --once --progress-interval-s 0 > /dev/null 2>&1; }
if [ ! -d "$LAKE/silver/bank_transactions" ]; then
  sim "$N"
  "$BIN" pipeline --lake "$LAKE" --once > /dev/null
fi
count=$("$ING" sql --lake "$LAKE" "SELECT count(*) AS n FROM bronze.bank_transactions" 2>/dev/null | grep -E '^ *[0-9]+ *$' | tr -d ' ')
LOG=$(mktemp)
"$BIN" pipeline --lake "$LAKE" --trigger-ms 200 > >(while IFS= read -r l; do echo "$(date +%s.%N) $l"; done > "$LOG") 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
sleep 2
for k in $(seq 1 "$ROUNDS"); do
  count=$((count + 1000))
  sim "$count"
  t=$(date +%s.%N)
  v=$(ls "$LAKE/bronze/bank_transactions/_delta_log/" | grep -E '^[0-9]+\.json$' | tail -1 | sed 's/^0*//; s/\.json$//')
  for _ in $(seq 1 1500); do grep -qE "bronze v${v:-0}[,)]" "$LOG" && break; sleep 0.02; done
  line=$(grep -E "bronze v${v:-0}[,)]" "$LOG" | head -1)
  printf 'round %d (bronze v%s): in Silver %.2f s after the commit :: %s\n' "$k" "$v" \
    "$(echo "${line%% *} - $t" | bc)" "${line#* }"
done
echo "pipeline RSS $(ps -o rss= -p "$PID" | tr -d ' ') KB"
