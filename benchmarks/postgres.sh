#!/usr/bin/env bash
# Scale-out on PostgreSQL: the durable webhook path (POST /webhook/count → one Wasm node that writes its state → 200,
# a new Idempotency-Key per request, so every request commits its answer and state) on
# (a) a bare Hummingbird route answering the same bytes, (b) one runner on SQLite, (c) one runner
# on PostgreSQL, (d) two runners on the same PostgreSQL, wrk's two threads spread over their
# ports (a trivial round-robin balancer). The PostgreSQL server is a throwaway one started here
# with its durability on (fsync, synchronous_commit), like SQLite's; its CPU use (all postgres
# processes) is reported as cores busy on average during each run.
#
# Usage: benchmarks/postgres.sh [DURATION (default 10s)] [CONNECTIONS (default 32)] [ROUNDS (default 3)]
# Scenarios are measured in turn ROUNDS times; medians are reported.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
duration=${1:-10s}
connections=${2:-32}
rounds=${3:-3}

command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
swift build -c release --product greentic-runner >/dev/null
swift build -c release --product greentic-bench-baseline >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  scripts/postgres-test-server.sh stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$(POSTGRES_DURABLE=1 scripts/postgres-test-server.sh start)"
pg_url="${RUNNER_TEST_POSTGRES_URL}&schema=bench"

"$bin/greentic-runner" pack build benchmarks/bench-pack -o "$work/bench.gtpack" >/dev/null
digest=$("$bin/greentic-runner" pack verify "$work/bench.gtpack" | sed -n 's/.*"digest" : "\(sha256:[0-9a-f]*\)".*/\1/p')
cat >"$work/index.json" <<JSON
{"bench": {"main_pack": {"name": "greentic.bench", "digest": "$digest", "locator": "bench.gtpack"}, "overlays": []}}
JSON
printf 'tenant: bench\nflow_type_bindings:\n  webhook: {adapter: generic}\n' >"$work/bench.yaml"

start_runner() { # port store_url
  PACK_INDEX_URL="$work/index.json" DEFAULT_TENANT=bench STORE_URL="$2" PACK_CACHE_DIR="$work/cache-$1" LOG_LEVEL=error \
    "$bin/greentic-runner" serve --bindings "$work/bench.yaml" --host 127.0.0.1 --port "$1" &
  pids+=("$!")
  wait_ready "$1" 10
}
start_runner 18281 "sqlite://$work/runner.sqlite"
start_runner 18282 "$pg_url"
start_runner 18283 "$pg_url"
curl -fs -X POST -H 'content-type: text/plain' -H 'Idempotency-Key: probe' --data 'Ada' -o "$work/response.body" \
  "http://127.0.0.1:18281/webhook/count"
"$bin/greentic-bench-baseline" 18284 "$work/response.body" text/plain &
pids+=("$!")
for _ in $(seq 1 100); do curl -fs -X POST "http://127.0.0.1:18284/webhook/bench" >/dev/null 2>&1 && break; sleep 0.1; done

postgres_ticks() { # CPU ticks (user + system) of every postgres process so far
  local total=0 pid
  for pid in $(pgrep -x postgres); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
run() { # ports -> "rps p99_ms postgres_cores"
  local before after seconds
  before=$(postgres_ticks)
  seconds=$(date +%s%N)
  BENCH_PORTS="$1" wrk -t2 -c"$connections" -d"$duration" --latency -s benchmarks/idempotent-posts.lua "http://127.0.0.1:${1%% *}" >"$work/wrk.out"
  after=$(postgres_ticks)
  if grep -q "Non-2xx" "$work/wrk.out"; then echo "non-2xx responses on $1" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  echo "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out") $(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")" \
    "$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v ns=$(($(date +%s%N) - seconds)) 'BEGIN { printf "%.2f", t / hz / (ns / 1e9) }')"
}

scenarios=("18284" "18281" "18282" "18282 18283")
labels=("bare Hummingbird route (same bytes)" "runner, SQLite" "runner, PostgreSQL, one node" "runner, PostgreSQL, two nodes")
for ports in "${scenarios[@]}"; do BENCH_PORTS="$ports" wrk -t2 -c"$connections" -d2s -s benchmarks/idempotent-posts.lua "http://127.0.0.1:${ports%% *}" >/dev/null; done
: >"$work/rounds"
for round in $(seq 1 "$rounds"); do
  line=""
  for ports in "${scenarios[@]}"; do
    read -r rps p99 cores < <(run "$ports")
    line="$line $rps $p99 $cores"
    printf 'round %s, ports %s: %s req/s, p99 %s ms, postgres %s cores\n' "$round" "$ports" "$rps" "$p99" "$cores" >&2
  done
  echo "$line" >>"$work/rounds"
done
col() { awk -v c="$1" '{ print $c }' "$work/rounds" | median; }

printf '\nwrk -t2 -c%s -d%s, POST /webhook/count (state-writing component) with a new Idempotency-Key each, %s cores, median of %s rounds\n' \
  "$connections" "$duration" "$(nproc)" "$rounds"
printf '%-40s %12s %10s %16s\n' "target" "requests/s" "p99 (ms)" "postgres cores"
for index in 0 1 2 3; do
  printf '%-40s %12s %10s %16s\n' "${labels[$index]}" "$(col $((index * 3 + 1)))" "$(col $((index * 3 + 2)))" "$(col $((index * 3 + 3)))"
done
one=$(col 7); two=$(col 10)
echo "two nodes / one node: $(awk -v a="$two" -v b="$one" 'BEGIN { printf "%.2f", a / b }')x"
