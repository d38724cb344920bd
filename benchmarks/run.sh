#!/usr/bin/env bash
# Throughput and tail latency of the runner against a bare Hummingbird route, on loopback, in
# one run on one machine: (a) greentic-bench-baseline answering POST /webhook/bench with the
# very bytes the runner answers, (b) greentic-runner serving /webhook/bench through a flow with
# one Wasm node (benchmarks/bench-pack), on its default SQLite store.
#
# Usage: benchmarks/run.sh [DURATION (default 15s)] [CONNECTIONS (default 32)] [ROUNDS (default 3)]
# Baseline and runner are measured alternately ROUNDS times; the medians are reported, and the
# ratio is the median of the per-round ratios (a shared machine drifts between runs).
# Prints requests/s and p99 for both, the runner's p99 at half its peak rate, the ratio, the
# runner's peak RSS (VmHWM) and its time from launch to ready.
#
# Then the Slack scenario, the same way: uniquely signed Slack events (a new event_id and
# channel each, signed before the round by benchmarks/sign-slack-events.py) POSTed to
# /slack/events, which the runner verifies, records and acknowledges with 200 before running
# the `chat` flow (one Wasm node) and delivering its reply through the outbox to a loopback
# Slack Web API (a second greentic-bench-baseline, counting chat.postMessage calls); next to the
# bare route answering /slack/events with an empty 200. Besides the acknowledgement throughput
# and p99 it reports replies delivered per second: the replies of the round counted at the
# fake Slack, over the time from the round's start until the last one arrived (the runner is
# drained before the next round starts).
#
# Last, the cost of one Wasm node call on its own (greentic-bench-wasm).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-15s}
connections=${2:-32}
rounds=${3:-3}

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
ready_ms=
for _ in $(seq 1 1000); do
  if curl -fs "http://127.0.0.1:$runner_port/readyz" >/dev/null 2>&1; then
    ready_ms=$((($(date +%s%N) - started_ns) / 1000000))
    break
  fi
  sleep 0.01
done
[ -n "$ready_ms" ] || { echo "the runner did not become ready" >&2; exit 1; }

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

# wrk prints latencies as 850.00us, 5.21ms or 1.02s: in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; printf "%.2f", n }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%s", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

run_wrk() { # script url [script arguments] -> "rps p99_ms requests"
  wrk -t1 -c"$connections" -d"$duration" --latency -s "$1" "$2" -- "${@:3}" >"$work/wrk.out"
  if grep -q "Non-2xx" "$work/wrk.out"; then echo "non-2xx responses from $2" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  echo "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out") $(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")" \
    "$(awk '/requests in/ {print $1}' "$work/wrk.out")"
}

base_url="http://127.0.0.1:$baseline_port/webhook/bench"
run_url="http://127.0.0.1:$runner_port/webhook/bench"
wrk -t1 -c"$connections" -d2s -s "$work/post.lua" "$base_url" >/dev/null  # warm-up
wrk -t1 -c"$connections" -d2s -s "$work/post.lua" "$run_url" >/dev/null
: >"$work/rounds"
for round in $(seq 1 "$rounds"); do
  # ABBA: alternate which goes first, so drift within a round does not favour one side.
  if [ $((round % 2)) = 1 ]; then
    read -r base_rps base_p99 _ < <(run_wrk "$work/post.lua" "$base_url")
    read -r run_rps run_p99 _ < <(run_wrk "$work/post.lua" "$run_url")
  else
    read -r run_rps run_p99 _ < <(run_wrk "$work/post.lua" "$run_url")
    read -r base_rps base_p99 _ < <(run_wrk "$work/post.lua" "$base_url")
  fi
  ratio=$(awk -v a="$run_rps" -v b="$base_rps" 'BEGIN { printf "%.1f", 100 * a / b }')
  echo "$base_rps $base_p99 $run_rps $run_p99 $ratio" >>"$work/rounds"
  printf 'round %s: baseline %s req/s p99 %s ms, runner %s req/s p99 %s ms, ratio %s%%\n' \
    "$round" "$base_rps" "$base_p99" "$run_rps" "$run_p99" "$ratio" >&2
done
col() { awk -v c="$1" '{ print $c }' "$work/rounds" | median; }
base_rps=$(col 1); base_p99=$(col 2); run_rps=$(col 3); run_p99=$(col 4); ratio=$(col 5)

# p99 at about half of the runner's peak rate: every connection waits between its requests
# (wrk's delay() hook, whole milliseconds) so that together they offer about half the measured
# throughput; the achieved share of peak is printed with it.
awk -v c="$connections" -v r="$run_rps" 'BEGIN { printf "wrk.method = \"POST\"\nwrk.body = \"Ada\"\nwrk.headers[\"Content-Type\"] = \"text/plain\"\nfunction delay() return %d end\n", 2000 * c / r }' \
  >"$work/paced.lua"
read -r half_rps half_p99 _ < <(run_wrk "$work/paced.lua" "$run_url")
peak_rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$runner_pid/status")

printf '\nwrk -t1 -c%s -d%s, POST /webhook/bench (%s bytes of response), %s cores, median of %s rounds\n' "$connections" \
  "$duration" "$(wc -c <"$work/response.body")" "$(nproc)" "$rounds"
printf '%-44s %12s %12s\n' "target" "requests/s" "p99 (ms)"
printf '%-44s %12s %12s\n' "bare Hummingbird route (same bytes)" "$base_rps" "$base_p99"
printf '%-44s %12s %12s\n' "greentic-runner, flow with one Wasm node" "$run_rps" "$run_p99"
half_label=$(awk -v a="$half_rps" -v b="$run_rps" 'BEGIN { printf "greentic-runner paced (%.0f%% of its peak)", 100 * a / b }')
printf '%-44s %12s %12s\n' "$half_label" "$half_rps" "$half_p99"
echo "ratio runner/baseline: ${ratio}%"
echo "runner peak RSS: $((peak_rss_kb / 1024)) MiB"
echo "runner launch to ready (local pack, new SQLite file): ${ready_ms} ms"
# --- The Slack scenario. Each runner round signs its own events, enough for three times the
# webhook rate (running out fails the run rather than recycling event ids).
duration_s=$(awk -v d="$duration" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print n }')
event_count=$(awk -v r="$run_rps" -v d="$duration_s" 'BEGIN { printf "%d", 3 * r * d + 1000 }')
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
  read -r rps p99 requests < <(run_wrk benchmarks/slack-events.lua "$slack_run_url" "$work/events")
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
    read -r base_rps base_p99 _ < <(run_wrk benchmarks/slack-events.lua "$slack_base_url" "$work/base-events" cycle)
    read -r run_rps run_p99 replies_rps < <(run_slack "$round")
  else
    read -r run_rps run_p99 replies_rps < <(run_slack "$round")
    read -r base_rps base_p99 _ < <(run_wrk benchmarks/slack-events.lua "$slack_base_url" "$work/base-events" cycle)
  fi
  ratio=$(awk -v a="$run_rps" -v b="$base_rps" 'BEGIN { printf "%.1f", 100 * a / b }')
  echo "$base_rps $base_p99 $run_rps $run_p99 $ratio $replies_rps" >>"$work/slack-rounds"
  printf 'slack round %s: baseline %s req/s p99 %s ms, runner %s req/s p99 %s ms, ratio %s%%, %s replies/s\n' \
    "$round" "$base_rps" "$base_p99" "$run_rps" "$run_p99" "$ratio" "$replies_rps" >&2
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
"$bin/greentic-bench-wasm" benchmarks/bench-pack/components/echo/component.wat 20000 1024
