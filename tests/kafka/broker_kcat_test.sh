#!/usr/bin/env bash
# Shell-level check of `financelake broker` (kafka::RunBroker) with an independent Kafka client:
# kcat produces to and consumes from it, lists its topics, and SIGTERM stops it cleanly.
#
# Usage: broker_kcat_test.sh BROKER_COMMAND...   e.g. `build/financelake broker`;
# the script appends `--port 0 --partitions 3`. Fails without kcat (make deps installs it).
set -euo pipefail

command -v kcat >/dev/null || { echo "FAIL: kcat not installed (make deps installs it)"; exit 1; }
[ $# -ge 1 ] || { echo "usage: $0 BROKER_COMMAND..." >&2; exit 2; }

tmp=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- broker stderr:"; cat "$tmp/err" || true
  exit 1
}

"$@" --port 0 --partitions 3 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
  grep -q '^broker listening on ' "$tmp/out" && break
  kill -0 "$pid" 2>/dev/null || fail "broker exited early"
  sleep 0.1
done
addr=$(sed -n 's/^broker listening on \(.*\)$/\1/p' "$tmp/out")
[ -n "$addr" ] || fail "no 'broker listening on HOST:PORT' line on stdout"
echo "broker at $addr"

printf 'AAPL:{"price":189.5}\nMSFT:{"price":411.2}\nGOOG:{"price":140.1}\n' |
  timeout 20 kcat -b "$addr" -P -t stock-trades -K: || fail "kcat could not produce"

got=$(timeout 20 kcat -b "$addr" -C -t stock-trades -e -q -f '%k=%s\n' | sort)
want=$(printf 'AAPL={"price":189.5}\nGOOG={"price":140.1}\nMSFT={"price":411.2}')
[ "$got" = "$want" ] || fail "kcat consumed '$got', expected '$want'"

timeout 20 kcat -b "$addr" -L | grep -q 'topic "crypto-prices" with 3 partitions' ||
  fail "default topic crypto-prices missing from metadata"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" -eq 0 ] || fail "broker exited with $rc after SIGTERM"
echo "PASS"
