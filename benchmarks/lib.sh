# Helpers shared by the benchmark scripts (sourced, not run).

# wrk prints latencies as 850.00us, 5.21ms or 1.02s: in milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/) n *= 1000; printf "%.2f", n }'; }

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{ a[NR] = $1 } END { printf "%s", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
