#!/usr/bin/env bash
# Throughput and tail latency of the runner against a bare Hummingbird route, on loopback, in
# one run on one machine. Every figure is a ratio or a latency measured in this run:
#
# Webhook, measured in rounds that rotate the order of three targets:
#   - bare: greentic-bench-baseline answering POST /webhook/… with the very bytes the runner answers;
#   - durable (the default path users run): POST /webhook/count with a new Idempotency-Key per
#     request through a flow with one Wasm node (benchmarks/bench-pack, `counter`) that writes its
#     state, so every request commits its recorded answer and its component state to SQLite
#     (full durability: WAL, synchronous=FULL) before its 200;
#   - read-only: POST /webhook/bench without a key through the `echo` node, which changes no
#     state, so nothing is written.
# The medians are reported, the ratios are medians of per-round ratios; then the durable path's
# p99 at about half of its peak (wrk's delay() hook: closed-loop pacing, not wrk2's constant rate).
#
# Then the Slack scenario: uniquely signed Slack events (a new event_id and channel each, signed
# before the round by benchmarks/sign-slack-events.py) POSTed to /slack/events, which the runner
# verifies, records and acknowledges with 200 before running the `chat` flow (the counter node,
# then qa.process) and delivering its reply through the outbox to a loopback Slack Web API (a
# second greentic-bench-baseline counting chat.postMessage calls); beside the bare route
# answering /slack/events with an empty 200. Replies delivered per second are the round's
# replies counted at the fake Slack over the time from the round's start until the last arrived.
#
# Last, one Wasm node call on its own (greentic-bench-wasm) with 16 B, 1 KiB and 64 KiB inputs:
# made in place by a task on the Wasm workers (as the runner's flow runs make them), and handed
# to a worker from a task elsewhere.
#
# Usage: benchmarks/run.sh [--quick] [DURATION (default 15s)] [CONNECTIONS (default 32)] [ROUNDS (default 3)]
# --quick: a smoke run (3 s, one round). A JSON summary is written to $BENCH_SUMMARY (default
# benchmarks/last-run.json) beside the table printed here.
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/lib.sh
quick=0
if [ "${1:-}" = --quick ]; then quick=1; shift; fi
if [ "$quick" = 1 ]; then default_duration=3s default_rounds=1; else default_duration=15s default_rounds=3; fi
duration=${1:-$default_duration}
connections=${2:-32}
rounds=${3:-$default_rounds}
summary=${BENCH_SUMMARY:-benchmarks/last-run.json}

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is required (apt-get install wrk)" >&2; exit 1
  fi
fi

swift build -c release --product greentic-runner >/dev/null
swift build -c release --product greentic-bench-baseline >/dev/null
swift build -c release --product greentic-bench-wasm >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

"$bin/greentic-runner" pack build benchmarks/bench-pack -o "$work/bench.gtpack" >/dev/null
digest=$("$bin/greentic-runner" pack verify "$work/bench.gtpack" | sed -n 's/.*"digest" : "\(sha256:[0-9a-f]*\)".*/\1/p')
cat >"$work/index.json" <<JSON
{"bench": {"main_pack": {"name": "greentic.bench", "digest": "$digest", "locator": "bench.gtpack"}, "overlays": []}}
JSON
cat >"$work/bench.yaml" <<YAML
tenant: bench
flow_type_bindings:
  webhook: {adapter: generic}
  messaging: {adapter: slack}
rate_limits: {messaging_send_qps: 10000, messaging_burst: 100000}
YAML

runner_port=18181
baseline_port=18182
slack_api_port=18183
slack_secret=bench-signing-secret
echo '{"ok":true}' >"$work/ok.json"
"$bin/greentic-bench-baseline" "$slack_api_port" "$work/ok.json" application/json &
pids+=("$!")
started_ns=$(date +%s%N)
SLACK_SIGNING_SECRET="$slack_secret" SLACK_BOT_TOKEN=xoxb-bench SLACK_API_BASE_URL="http://127.0.0.1:$slack_api_port/api" \
  PACK_INDEX_URL="$work/index.json" DEFAULT_TENANT=bench STORE_URL="${BENCH_STORE_URL:-sqlite://$work/runner.sqlite}" PACK_CACHE_DIR="$work/cache" \
  LOG_LEVEL=error "$bin/greentic-runner" serve --bindings "$work/bench.yaml" --host 127.0.0.1 --port "$runner_port" &
runner_pid=$!
pids+=("$runner_pid")
wait_ready "$runner_port" 10
ready_ms=$((($(date +%s%N) - started_ns) / 1000000))

curl -fs -X POST -H 'content-type: text/plain' --data 'Ada' -o "$work/response.body" -D "$work/response.headers" \
  "http://127.0.0.1:$runner_port/webhook/bench"
content_type=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\(.*\)\r$/\1/p' "$work/response.headers")
"$bin/greentic-bench-baseline" "$baseline_port" "$work/response.body" "$content_type" &
pids+=("$!")
for _ in $(seq 1 100); do
  curl -fs -X POST "http://127.0.0.1:$baseline_port/webhook/bench" >/dev/null 2>&1 && break
  sleep 0.1
done
if ! cmp -s "$work/response.body" <(curl -fs -X POST -H 'content-type: text/plain' --data 'Ada' "http://127.0.0.1:$baseline_port/webhook/bench"); then
  echo "baseline and runner bodies differ" >&2; exit 1
fi

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "Ada"
wrk.headers["Content-Type"] = "text/plain"
LUA


run_wrk() { # script url [script arguments] -> "rps p99_ms requests p50_ms"
  wrk -t1 -c"$connections" -d"$duration" --latency -s "$1" "$2" -- "${@:3}" >"$work/wrk.out"
  if grep -q "Non-2xx" "$work/wrk.out"; then echo "non-2xx responses from $2" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  echo "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out") $(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")" \
    "$(awk '/requests in/ {print $1}' "$work/wrk.out") $(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.out")")"
}

base_url="http://127.0.0.1:$baseline_port/webhook/bench"
read_url="http://127.0.0.1:$runner_port/webhook/bench"
durable_root="http://127.0.0.1:$runner_port"
measure() { # target -> "rps p99 requests p50"
  case "$1" in
    bare) run_wrk "$work/post.lua" "$base_url" ;;
    durable) BENCH_PATH=/webhook/count run_wrk benchmarks/idempotent-posts.lua "$durable_root" ;;
    read) run_wrk "$work/post.lua" "$read_url" ;;
  esac
}
wrk -t1 -c"$connections" -d2s -s "$work/post.lua" "$base_url" >/dev/null  # warm-up
wrk -t1 -c"$connections" -d2s -s "$work/post.lua" "$read_url" >/dev/null
BENCH_PATH=/webhook/count wrk -t1 -c"$connections" -d2s -s benchmarks/idempotent-posts.lua "$durable_root" >/dev/null
: >"$work/rounds"
orders=("bare durable read" "durable read bare" "read bare durable")
for round in $(seq 1 "$rounds"); do
  # The order rotates, so drift within a round does not favour one target.
  declare -A rps=() p99=() p50=()
  for target in ${orders[$(((round - 1) % 3))]}; do
    read -r rps[$target] p99[$target] _ p50[$target] < <(measure "$target")
  done
  durable_ratio=$(awk -v a="${rps[durable]}" -v b="${rps[bare]}" 'BEGIN { printf "%.1f", 100 * a / b }')
  read_ratio=$(awk -v a="${rps[read]}" -v b="${rps[bare]}" 'BEGIN { printf "%.1f", 100 * a / b }')
  echo "${rps[bare]} ${p99[bare]} ${rps[durable]} ${p99[durable]} $durable_ratio ${rps[read]} ${p99[read]} $read_ratio ${p50[durable]} ${p50[read]}" \
    >>"$work/rounds"
  printf 'round %s: bare %s req/s p99 %s ms | durable %s req/s p99 %s ms (%s%%) | read-only %s req/s p99 %s ms (%s%%)\n' \
    "$round" "${rps[bare]}" "${p99[bare]}" "${rps[durable]}" "${p99[durable]}" "$durable_ratio" "${rps[read]}" "${p99[read]}" \
    "$read_ratio" >&2
done
col() { awk -v c="$1" '{ print $c }' "$work/rounds" | median; }
base_rps=$(col 1); base_p99=$(col 2); durable_rps=$(col 3); durable_p99=$(col 4); durable_ratio=$(col 5)
read_rps=$(col 6); read_p99=$(col 7); read_ratio=$(col 8); durable_p50=$(col 9); read_p50=$(col 10)

# The durable path's p99 at about half of its peak: every connection waits between its requests
# (wrk's delay() hook, whole milliseconds) so that together they offer about half the measured
# throughput; the achieved share of peak is printed with it.
awk -v c="$connections" -v r="$durable_rps" 'BEGIN { printf "function delay() return %d end\n", 2000 * c / r }' \
  | cat benchmarks/idempotent-posts.lua - >"$work/paced.lua"
read -r half_rps half_p99 _ half_p50 < <(BENCH_PATH=/webhook/count run_wrk "$work/paced.lua" "$durable_root")
peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$runner_pid/status")

printf '\nwrk -t1 -c%s -d%s, POST /webhook/…, %s cores, median of %s rounds\n' "$connections" "$duration" "$(nproc)" "$rounds"
printf '%-52s %12s %10s %10s %8s\n' "target" "requests/s" "p50 (ms)" "p99 (ms)" "ratio"
printf '%-52s %12s %10s %10s %8s\n' "bare Hummingbird route (same bytes)" "$base_rps" "" "$base_p99" "100%"
printf '%-52s %12s %10s %10s %8s\n' "durable: unique key, state-writing Wasm node" "$durable_rps" "$durable_p50" "$durable_p99" "${durable_ratio}%"
printf '%-52s %12s %10s %10s %8s\n' "read-only: no key, echo Wasm node, nothing written" "$read_rps" "$read_p50" "$read_p99" "${read_ratio}%"
half_share=$(awk -v a="$half_rps" -v b="$durable_rps" 'BEGIN { printf "%.0f", 100 * a / b }')
printf '%-52s %12s %10s %10s\n' "durable, paced (${half_share}% of its peak)" "$half_rps" "$half_p50" "$half_p99"
echo "runner peak RSS: $((peak_rss_kb / 1024)) MiB"
echo "runner launch to ready (local pack, new SQLite file): ${ready_ms} ms"
# --- The Slack scenario. Each runner round signs its own events, enough for three times the
# webhook rate (running out fails the run rather than recycling event ids).
duration_s=$(awk -v d="$duration" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n }')
event_count=$(awk -v r="$read_rps" -v d="$duration_s" 'BEGIN { printf "%d", 3 * r * d + 1000 }')
sign() { python3 benchmarks/sign-slack-events.py "$slack_secret" "$@"; }
slack_replies() { curl -fs "http://127.0.0.1:$slack_api_port/api/count"; }
drain_replies() { # total -> waits (up to 5 minutes) until the fake Slack has counted that many replies
  for _ in $(seq 1 6000); do
    [ "$(slack_replies)" -ge "$1" ] && return 0
    sleep 0.05
  done
  echo "replies did not all arrive: $(slack_replies) of $1" >&2; exit 1
}
slack_run_url="http://127.0.0.1:$runner_port/slack/events"
slack_base_url="http://127.0.0.1:$baseline_port/slack/events"
run_slack() { # round -> "rps p99_ms replies_per_s"
  sign "r$1" "$event_count" "$work/events"
  local before started rps p99 requests
  before=$(slack_replies)
  started=$(date +%s%N)
  read -r rps p99 requests _ < <(run_wrk benchmarks/slack-events.lua "$slack_run_url" "$work/events")
  drain_replies $((before + requests))
  echo "$rps $p99 $(awk -v n="$requests" -v ns="$(($(date +%s%N) - started))" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')"
}
sign base 2000 "$work/base-events"
sign warm "$event_count" "$work/warm-events"
wrk -t1 -c"$connections" -d2s -s benchmarks/slack-events.lua "$slack_base_url" -- "$work/base-events" cycle >/dev/null
wrk -t1 -c"$connections" -d2s -s benchmarks/slack-events.lua "$slack_run_url" -- "$work/warm-events" >"$work/wrk.out"
drain_replies "$(awk '/requests in/ {print $1}' "$work/wrk.out")"
: >"$work/slack-rounds"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then
    read -r sbase_rps sbase_p99 _ < <(run_wrk benchmarks/slack-events.lua "$slack_base_url" "$work/base-events" cycle)
    read -r srun_rps srun_p99 replies_rps < <(run_slack "$round")
  else
    read -r srun_rps srun_p99 replies_rps < <(run_slack "$round")
    read -r sbase_rps sbase_p99 _ < <(run_wrk benchmarks/slack-events.lua "$slack_base_url" "$work/base-events" cycle)
  fi
  ratio=$(awk -v a="$srun_rps" -v b="$sbase_rps" 'BEGIN { printf "%.1f", 100 * a / b }')
  echo "$sbase_rps $sbase_p99 $srun_rps $srun_p99 $ratio $replies_rps" >>"$work/slack-rounds"
  printf 'slack round %s: baseline %s req/s p99 %s ms, runner %s req/s p99 %s ms, ratio %s%%, %s replies/s\n' \
    "$round" "$sbase_rps" "$sbase_p99" "$srun_rps" "$srun_p99" "$ratio" "$replies_rps" >&2
done
slack_col() { awk -v c="$1" '{ print $c }' "$work/slack-rounds" | median; }
printf '\nwrk -t1 -c%s -d%s, POST /slack/events (signed, a new event each request), median of %s rounds\n' \
  "$connections" "$duration" "$rounds"
printf '%-44s %12s %12s\n' "target" "requests/s" "p99 (ms)"
printf '%-44s %12s %12s\n' "bare Hummingbird route (empty 200)" "$(slack_col 1)" "$(slack_col 2)"
printf '%-44s %12s %12s\n' "greentic-runner acknowledging (verify, record)" "$(slack_col 3)" "$(slack_col 4)"
echo "ratio runner/baseline: $(slack_col 5)%"
echo "replies delivered to the loopback Slack API: $(slack_col 6)/s (flow with one Wasm node, through the outbox)"
echo "runner peak RSS after both scenarios: $(($(awk '/VmHWM/ {print $2}' "/proc/$runner_pid/status") / 1024)) MiB"

# One Wasm node call on its own (SPEC §11: the node call overhead for a 1 KiB payload).
wasm_calls=20000; [ "$quick" = 1 ] && wasm_calls=2000
: >"$work/wasm"
for bytes in 16 1024 65536; do
  "$bin/greentic-bench-wasm" benchmarks/bench-pack/components/echo/component.wat "$wasm_calls" "$bytes" | tee -a "$work/wasm"
done
wasm_field() { # payload bytes, field (p50|p99), line ("node call," in place | handed | instantiates) -> µs
  grep -F "$3" "$work/wasm" | awk -v b="$1" -v f="$2" '$0 ~ (" " b "-byte input") { for (i = 1; i <= NF; i++) if ($i == f) print $(i + 1) }' | head -1
}

cat >"$summary" <<JSON
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "commit": "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "machine": {"cores": $(nproc), "memory_gib": $(awk '/MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)},
  "settings": {"duration": "$duration", "connections": $connections, "rounds": $rounds, "quick": $([ "$quick" = 1 ] && echo true || echo false)},
  "webhook": {
    "bare": {"rps": $base_rps, "p99_ms": $base_p99},
    "durable": {"rps": $durable_rps, "p50_ms": $durable_p50, "p99_ms": $durable_p99, "ratio_percent": $durable_ratio},
    "read_only": {"rps": $read_rps, "p50_ms": $read_p50, "p99_ms": $read_p99, "ratio_percent": $read_ratio},
    "durable_paced": {"rps": $half_rps, "share_of_peak_percent": $half_share, "p50_ms": $half_p50, "p99_ms": $half_p99}
  },
  "slack": {
    "bare": {"rps": $(slack_col 1), "p99_ms": $(slack_col 2)},
    "runner": {"rps": $(slack_col 3), "p99_ms": $(slack_col 4), "ratio_percent": $(slack_col 5), "replies_per_s": $(slack_col 6)}
  },
  "wasm_call_us": {
    "16": {"p50": $(wasm_field 16 p50 "node call,"), "p99": $(wasm_field 16 p99 "node call,")},
    "1024": {"p50": $(wasm_field 1024 p50 "node call,"), "p99": $(wasm_field 1024 p99 "node call,")},
    "65536": {"p50": $(wasm_field 65536 p50 "node call,"), "p99": $(wasm_field 65536 p99 "node call,")},
    "handed_off": {
      "16": {"p50": $(wasm_field 16 p50 handed), "p99": $(wasm_field 16 p99 handed)},
      "1024": {"p50": $(wasm_field 1024 p50 handed), "p99": $(wasm_field 1024 p99 handed)},
      "65536": {"p50": $(wasm_field 65536 p50 handed), "p99": $(wasm_field 65536 p99 handed)}
    },
    "instantiating_1024": {"p50": $(wasm_field 1024 p50 instantiates), "p99": $(wasm_field 1024 p99 instantiates)},
    "memory_per_instance_kib": $(grep -F instantiates "$work/wasm" | grep -F " 1024-byte" | sed -n 's/.*instance \([0-9]*\) KiB.*/\1/p')
  },
  "runner": {"peak_rss_mib": $(($(awk '/VmHWM/ {print $2}' "/proc/$runner_pid/status") / 1024)), "ready_ms": $ready_ms}
}
JSON
python3 -m json.tool "$summary" >/dev/null
echo "summary: $summary"
