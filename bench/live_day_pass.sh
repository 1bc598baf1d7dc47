#!/bin/bash
# The cost of a pipeline pass late in a busy day: builds a lake holding N simulated crypto ticks
# of one UTC day (if absent) and runs it through the pipeline once; then, on copies of it,
# ROUNDS batches of 3000 later ticks of the same day go through
#   (1) `pipeline --once` per batch: what every pass cost before a continuous pipeline kept
#       Silver's ids and Gold's aggregates (each pass reads the day's ids and rows again), and
#   (2) one continuous `pipeline` (kept ids and aggregates: its first pass reads them once).
# Prints each pass's Silver and Gold lines (with their times) and the continuous pipeline's RSS.
# usage: bench/live_day_pass.sh [BINARY] [WORKDIR] [N] [ROUNDS]
set -euo pipefail
BIN=${1:-build/financelake}
WORK=${2:-/tmp/financelake-live-day}
N=${3:-5000000}
ROUNDS=${4:-4}
BASE="$WORK/base"
mkdir -p "$WORK"
if [ ! -d "$BASE/silver/crypto_prices" ]; then
  rm -rf "$BASE"
  # 10 assets x one tick per 0.125 s each: 5M ticks from 00:00 to about 17:20 UTC.
  "$BIN" ingest --lake "$BASE" --source sim --topics crypto-prices --start 2026-12-06 \
    --crypto-interval 0.125 --count "$N" --once --progress-interval-s 0 > /dev/null 2>&1
  "$BIN" pipeline --lake "$BASE" --once > /dev/null
fi
batch() {  # batch LAKE K: 3000 ticks from 17:30 UTC + K minutes (after everything before it)
  "$BIN" ingest --lake "$1" --source sim --topics crypto-prices --count 3000 --seed "$((100 + $2))" \
    --start "$((1796578200000 + $2 * 60000))" --crypto-interval 0.004 --once \
    --progress-interval-s 0 > /dev/null 2>&1
}
show() { grep -E "crypto_prices" | grep -v "bronze 0 =\| 0 new Silver" || true; }
echo "== $N ticks in the day's partition; (1) one pipeline --once per batch"
rm -rf "$WORK/once" && cp -a "$BASE" "$WORK/once"
for k in $(seq 1 "$ROUNDS"); do
  batch "$WORK/once" "$k"
  "$BIN" pipeline --lake "$WORK/once" --once | show
done
echo "== (2) one continuous pipeline"
rm -rf "$WORK/live" && cp -a "$BASE" "$WORK/live"
LOG=$(mktemp)
"$BIN" pipeline --lake "$WORK/live" --trigger-ms 200 > "$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for k in $(seq 1 "$ROUNDS"); do
  batch "$WORK/live" "$k"
  for _ in $(seq 1 3000); do
    [ "$(grep -c "gold daily_prices from crypto_prices" "$LOG")" -ge "$k" ] && break
    sleep 0.02
  done
done
show < "$LOG"
echo "continuous pipeline RSS $(ps -o rss= -p "$PID" | tr -d ' ') KB"
