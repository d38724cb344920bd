# Helpers shared by the benchmark scripts (sourced, not run).

# wrk prints latencies as 850.00us, 5.21ms or 1.02s: in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; printf "%.2f", n }'; }

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%s", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# The median of column COLUMN over the lines of FILE whose first field is KEY.
column_median() { awk -v k="$2" -v c="$3" '$1 == k { print $c }' "$1" | median; }

# Waits up to SECONDS for the runner or server on 127.0.0.1:PORT to answer PATH (default
# /readyz) with a 2xx; ends the script with an error otherwise.
wait_ready() { # port seconds [path]
  local _
  for _ in $(seq 1 $(($2 * 100))); do
    curl -fs "http://127.0.0.1:$1${3:-/readyz}" >/dev/null 2>&1 && return 0
    sleep 0.01
  done
  echo "the server on port $1 did not become ready within $2 s" >&2
  exit 1
}
