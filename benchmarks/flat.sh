#!/usr/bin/env bash
# Flat cost (SPEC §11): does the webhook path slow down, and what does each tenant and each
# paused conversation cost, when a runner carries many tenants and a store holds many paused
# sessions? Three set-ups, each started fresh and measured in rounds whose order rotates:
#   A  one tenant, an empty store (the reference);
#   B  one tenant, a store holding SESSIONS paused sessions;
#   C  TENANTS tenants, the same store.
# The measured path is the durable webhook (POST /webhook/count, a new Idempotency-Key per
# request, the state-writing counter node, SQLite FULL) for tenant t0000, at a fixed low load
# (wrk -t1 -c4, each connection waiting 4 ms between requests: latency, not throughput).
#
# The paused sessions are real: the runner itself pauses one `survey` conversation (counter node,
# then session.wait) and that session's rows (resume record, component state, state revision)
# are then copied in SQL under SESSIONS distinct session keys spread over the tenants.
#
# Reported: p50/p99 per set-up and C against A (target: p50 within 20 %); RSS after start-up and
# warm-up, so memory per idle tenant = (C - B) / (TENANTS - 1) and per paused session =
# (B - A) / SESSIONS; disk per paused session = store growth / SESSIONS; launch-to-ready times.
#
# Usage: benchmarks/flat.sh [SESSIONS (default 1000000)] [TENANTS (default 1000)] [DURATION (default 10s)] [ROUNDS (default 2)]
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
sessions=${1:-1000000}
tenants=${2:-1000}
duration=${3:-10s}
rounds=${4:-2}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is required (apt-get install sqlite3)" >&2; exit 1; }

swift build -c release --product greentic-runner >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
runner_pid=
cleanup() { [ -n "$runner_pid" ] && kill "$runner_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$bin/greentic-runner" pack build benchmarks/bench-pack -o "$work/bench.gtpack" >/dev/null
digest=$("$bin/greentic-runner" pack verify "$work/bench.gtpack" | sed -n 's/.*"digest" : "\(sha256:[0-9a-f]*\)".*/\1/p')
tenant_name() { printf 't%04d' "$1"; }
write_deployment() { # name tenant-count -> $work/name.index.json and $work/name.bindings/*.yaml
  local dir="$work/$1.bindings" i name
  mkdir -p "$dir"
  {
    echo "{"
    for i in $(seq 0 $(($2 - 1))); do
      name=$(tenant_name "$i")
      printf '  "%s": {"main_pack": {"name": "greentic.bench", "digest": "%s", "locator": "%s"}, "overlays": []}%s\n' \
        "$name" "$digest" "$work/bench.gtpack" "$([ "$i" -lt $(($2 - 1)) ] && echo ,)"
      printf 'tenant: %s\nflow_type_bindings:\n  webhook: {adapter: generic}\n' "$name" >"$dir/$name.yaml"
    done
    echo "}"
  } >"$work/$1.index.json"
}
write_deployment one 1
write_deployment many "$tenants"

port=18281
start_runner() { # deployment store -> sets runner_pid, ready_ms
  local args=() file started
  for file in "$work/$1.bindings"/*.yaml; do args+=(--bindings "$file"); done
  started=$(date +%s%N)
  PACK_INDEX_URL="$work/$1.index.json" TENANT_RESOLVER=header STORE_URL="sqlite://$2" PACK_CACHE_DIR="$work/cache" \
    LOG_LEVEL=error "$bin/greentic-runner" serve "${args[@]}" --host 127.0.0.1 --port "$port" &
  runner_pid=$!
  wait_ready "$port" 60
  ready_ms=$((($(date +%s%N) - started) / 1000000))
}
stop_runner() { kill "$runner_pid"; wait "$runner_pid" 2>/dev/null || true; runner_pid=; }
rss_mib() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$runner_pid/status"; }
{ cat benchmarks/idempotent-posts.lua; echo "function delay() return 4 end"; } >"$work/paced.lua"

# The store with the paused sessions: one real paused conversation, then copies of its rows.
sessions_db="$work/sessions.sqlite"
start_runner many "$sessions_db"
answer=$(curl -fs -X POST -H 'content-type: text/plain' -H 'x-greentic-tenant: t0000' -H 'x-greentic-session: seed' \
  --data 'Ada' "http://127.0.0.1:$port/webhook/survey")
stop_runner
seed_key="t0000:webhook:survey:seed"
[ "$(sqlite3 "$sessions_db" "SELECT count(*) FROM resume_record WHERE session_key = '$seed_key'")" = 1 ] \
  || { echo "the survey flow did not pause (answer: $answer)" >&2; exit 1; }
sqlite3 "$sessions_db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
before_bytes=$(stat -c %s "$sessions_db")
copied_at=$(date +%s%N)
sqlite3 "$sessions_db" >/dev/null <<SQL

BEGIN;
CREATE TEMP TABLE n AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $sessions) SELECT i,
  printf('t%04d', i % $tenants) AS tenant, printf('t%04d:webhook:survey:s%d', i % $tenants, i) AS session FROM c;
INSERT INTO resume_record SELECT n.tenant, n.session, r.flow_id, r.pack_digest, r.flow_hash, r.next_node, r.reason,
  r.snapshot, r.created_at, r.expires_at, r.revision FROM n, resume_record r WHERE r.session_key = '$seed_key';
INSERT INTO component_state SELECT n.tenant, s.pack, replace(s.scope, '$seed_key', n.session), s.kind, s.name, s.value
  FROM n, component_state s WHERE s.tenant = 't0000' AND s.scope LIKE '%seed%';
INSERT INTO state_scope SELECT n.tenant, s.pack, replace(s.scope, '$seed_key', n.session), s.revision, s.touched_at
  FROM n, state_scope s WHERE s.tenant = 't0000' AND s.scope LIKE '%seed%';
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
copy_s=$(awk -v ns="$(($(date +%s%N) - copied_at))" 'BEGIN { printf "%.0f", ns / 1e9 }')
after_bytes=$(stat -c %s "$sessions_db")
paused=$(sqlite3 "$sessions_db" "SELECT count(*) FROM resume_record")
state_rows=$(sqlite3 "$sessions_db" "SELECT count(*) FROM component_state")
echo "store: $paused paused sessions, $state_rows component-state rows, $((after_bytes / 1048576)) MiB (copied in ${copy_s} s)" >&2

measure() { # setup -> "p50_ms p99_ms rps rss_mib ready_ms"
  local deployment store
  case "$1" in
    A) deployment=one; store="$work/empty-$RANDOM.sqlite" ;;
    B) deployment=one; store="$sessions_db" ;;
    C) deployment=many; store="$sessions_db" ;;
  esac
  start_runner "$deployment" "$store"
  BENCH_TENANT=t0000 BENCH_PATH=/webhook/count wrk -t1 -c4 -d2s -s "$work/paced.lua" "http://127.0.0.1:$port" >/dev/null
  local rss
  rss=$(rss_mib)
  BENCH_TENANT=t0000 BENCH_PATH=/webhook/count wrk -t1 -c4 -d"$duration" --latency -s "$work/paced.lua" \
    "http://127.0.0.1:$port" >"$work/wrk.out"
  stop_runner
  if grep -q "Non-2xx" "$work/wrk.out"; then echo "non-2xx responses in set-up $1" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  echo "$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.out")") $(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")" \
    "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out") $rss $ready_ms"
}

: >"$work/rounds"
orders=("A B C" "C B A" "B C A")
for round in $(seq 1 "$rounds"); do
  for setup in ${orders[$(((round - 1) % 3))]}; do
    read -r p50 p99 rps rss ready < <(measure "$setup")
    echo "$setup $p50 $p99 $rps $rss $ready" >>"$work/rounds"
    printf 'round %s %s: p50 %s ms, p99 %s ms, %s req/s, RSS %s MiB, ready in %s ms\n' "$round" "$setup" "$p50" "$p99" "$rps" "$rss" "$ready" >&2
  done
done
col() { column_median "$work/rounds" "$1" "$2"; }
printf '\nflat cost: durable webhook for tenant t0000, wrk -t1 -c4 with a 4 ms pause per connection, -d%s, median of %s rounds, %s cores\n' \
  "$duration" "$rounds" "$(nproc)"
printf '%-52s %9s %9s %9s %9s %10s\n' "set-up" "p50 (ms)" "p99 (ms)" "req/s" "RSS (MiB)" "ready (ms)"
for setup in A B C; do
  case "$setup" in
    A) label="A: 1 tenant, empty store" ;;
    B) label="B: 1 tenant, $paused paused sessions" ;;
    C) label="C: $tenants tenants, $paused paused sessions" ;;
  esac
  printf '%-52s %9s %9s %9s %9s %10s\n' "$label" "$(col "$setup" 2)" "$(col "$setup" 3)" "$(col "$setup" 4)" "$(col "$setup" 5)" "$(col "$setup" 6)"
done
awk -v a="$(col A 2)" -v c="$(col C 2)" 'BEGIN { printf "p50 C against A: %+.1f %%\n", 100 * (c - a) / a }'
awk -v b="$(col B 5)" -v c="$(col C 5)" -v t="$tenants" 'BEGIN { printf "memory per idle tenant: %.1f KiB ((C - B) / %d)\n", 1024 * (c - b) / (t - 1), t - 1 }'
awk -v a="$(col A 5)" -v b="$(col B 5)" -v n="$paused" 'BEGIN { printf "memory per paused session: %.3f KiB ((B - A) / %d; sessions live in the store)\n", 1024 * (b - a) / n, n }'
awk -v x="$before_bytes" -v y="$after_bytes" -v n="$sessions" 'BEGIN { printf "disk per paused session: %.0f bytes (resume record, component state, state revision, with indexes)\n", (y - x) / n }'
