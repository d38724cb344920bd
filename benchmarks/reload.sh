#!/usr/bin/env bash
# Hot reload under load: the durable webhook path (POST /webhook/count, a new Idempotency-Key per
# request, the state-writing counter node, SQLite FULL) at a fixed load (wrk -t1 -c4, each
# connection pausing 4 ms between requests) while the tenant's pack is swapped between two
# versions every RELOAD_MS (the index rewritten by rename, then POST /admin/packs/reload),
# against the same load with no reloads, in rounds that alternate. Reports p50/p99, requests
# and non-2xx answers (which must be 0: no request fails during a swap) and reloads done.
#
# Usage: benchmarks/reload.sh [DURATION (default 10s)] [RELOAD_MS (default 250)] [ROUNDS (default 2)]
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
duration=${1:-10s}
reload_ms=${2:-250}
rounds=${3:-2}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }

swift build -c release --product greentic-runner >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
runner_pid=
flipper_pid=
cleanup() {
  [ -n "$flipper_pid" ] && kill "$flipper_pid" 2>/dev/null
  [ -n "$runner_pid" ] && kill "$runner_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Two versions of the bench pack: same flows and components, different version (so a new digest).
for version in 1 2; do
  cp -r benchmarks/bench-pack "$work/pack$version"
  sed -i "s/^version: .*/version: 1.0.$version/" "$work/pack$version/pack.yaml"
  "$bin/greentic-runner" pack build "$work/pack$version" -o "$work/bench$version.gtpack" >/dev/null
done
index_for() { # version -> index JSON
  local digest
  digest=$("$bin/greentic-runner" pack verify "$work/bench$1.gtpack" | sed -n 's/.*"digest" : "\(sha256:[0-9a-f]*\)".*/\1/p')
  echo "{\"bench\": {\"main_pack\": {\"name\": \"greentic.bench\", \"digest\": \"$digest\", \"locator\": \"bench$1.gtpack\"}, \"overlays\": []}}"
}
index_for 1 >"$work/index1.json"
index_for 2 >"$work/index2.json"
cp "$work/index1.json" "$work/index.json"
printf 'tenant: bench\nflow_type_bindings:\n  webhook: {adapter: generic}\n' >"$work/bench.yaml"

port=18381
PACK_INDEX_URL="$work/index.json" DEFAULT_TENANT=bench STORE_URL="sqlite://$work/runner.sqlite" PACK_CACHE_DIR="$work/cache" \
  PACK_REFRESH_INTERVAL=1h LOG_LEVEL=error "$bin/greentic-runner" serve --bindings "$work/bench.yaml" --host 127.0.0.1 --port "$port" &
runner_pid=$!
wait_ready "$port" 10

flip() { # swaps the index between the two versions and asks for a reload every $reload_ms
  local n=0
  while true; do
    n=$((n + 1))
    cp "$work/index$((n % 2 + 1)).json" "$work/index.next" && mv "$work/index.next" "$work/index.json"
    curl -fs -X POST "http://127.0.0.1:$port/admin/packs/reload" >/dev/null
    echo "$n" >"$work/flips"
    sleep "$(awk -v ms="$reload_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
  done
}
{ cat benchmarks/idempotent-posts.lua; echo "function delay() return 4 end"; } >"$work/paced.lua"
run() { # label -> "p50 p99 requests non2xx"
  BENCH_PATH=/webhook/count wrk -t1 -c4 -d"$duration" --latency -s "$work/paced.lua" "http://127.0.0.1:$port" >"$work/wrk.out"
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
  echo "$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.out")") $(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")" \
    "$(awk '/requests in/ {print $1}' "$work/wrk.out") ${non2xx:-0}"
}
BENCH_PATH=/webhook/count wrk -t1 -c4 -d2s -s "$work/paced.lua" "http://127.0.0.1:$port" >/dev/null  # warm-up

: >"$work/rounds"
for round in $(seq 1 "$rounds"); do
  for mode in steady reloading; do
    [ $((round % 2)) = 0 ] && mode=$([ "$mode" = steady ] && echo reloading || echo steady)
    if [ "$mode" = reloading ]; then
      echo 0 >"$work/flips"
      flip &
      flipper_pid=$!
    fi
    read -r p50 p99 requests non2xx < <(run)
    flips=0
    if [ "$mode" = reloading ]; then
      kill "$flipper_pid"; wait "$flipper_pid" 2>/dev/null || true; flipper_pid=
      flips=$(cat "$work/flips")
    fi
    echo "$mode $p50 $p99 $requests $non2xx $flips" >>"$work/rounds"
    printf 'round %s %s: p50 %s ms, p99 %s ms, %s requests, %s non-2xx, %s reloads\n' "$round" "$mode" "$p50" "$p99" "$requests" "$non2xx" "$flips" >&2
  done
done
col() { column_median "$work/rounds" "$1" "$2"; }
printf '\nhot reload under load: durable webhook, wrk -t1 -c4 with a 4 ms pause per connection, -d%s, a swap every %s ms, median of %s rounds\n' \
  "$duration" "$reload_ms" "$rounds"
printf '%-36s %9s %9s %10s %8s %8s\n' "mode" "p50 (ms)" "p99 (ms)" "requests" "non-2xx" "reloads"
for mode in steady reloading; do
  printf '%-36s %9s %9s %10s %8s %8s\n' "$mode" "$(col "$mode" 2)" "$(col "$mode" 3)" "$(col "$mode" 4)" "$(col "$mode" 5)" "$(col "$mode" 6)"
done
total_non2xx=$(awk '{ s += $5 } END { print s + 0 }' "$work/rounds")
[ "$total_non2xx" = 0 ] || { echo "requests failed during reloads: $total_non2xx" >&2; exit 1; }
