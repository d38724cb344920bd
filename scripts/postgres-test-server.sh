#!/usr/bin/env bash
# A throwaway PostgreSQL server for one test run (TESTING.md §9): data in a temporary
# directory, fsync off (on with POSTGRES_DURABLE=1, as benchmarks/postgres.sh runs it), listening
# on 127.0.0.1 only, trust authentication.
#
#   eval "$(scripts/postgres-test-server.sh start)"   # prints export lines: RUNNER_TEST_POSTGRES_URL, _DIR, _CA
#   scripts/postgres-test-server.sh stop              # stops the server named by RUNNER_TEST_POSTGRES_DIR, removes its data
#
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that
# Debian's package creates.
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
[ -x "$bin/postgres" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_server_user() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

case "${1:-}" in
  start)
    dir="$(mktemp -d "${TMPDIR:-/tmp}/greentic-pg.XXXXXX")"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port="${RUNNER_TEST_POSTGRES_PORT:-$((20000 + RANDOM % 20000))}"
    as_server_user "'$bin/initdb' -D '$dir/data' -A trust -U postgres --no-sync" >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # TLS with a CA of its own (for sslmode=require/verify-ca/verify-full tests); the server still
    # accepts plain connections (sslmode=disable).
    mkdir "$dir/tls"
    (
      cd "$dir/tls"
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=greentic test CA" \
        -keyout ca.key -out ca.crt
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt
      chmod 600 server.key
    ) >"$dir/tls.log" 2>&1 || { cat "$dir/tls.log" >&2; exit 1; }
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir/tls"
    tls="-c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key"
    durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${POSTGRES_DURABLE:-0}" = 1 ] && durability=""
    as_server_user "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 30 \
      -o \"-h 127.0.0.1 -p $port -k '$dir' $durability $tls -c max_connections=300\" start" >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "export RUNNER_TEST_POSTGRES_DIR='$dir'"
    echo "export RUNNER_TEST_POSTGRES_CA='$dir/tls/ca.crt'"
    echo "export RUNNER_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
    ;;
  stop)
    dir="${RUNNER_TEST_POSTGRES_DIR:?RUNNER_TEST_POSTGRES_DIR is not set}"
    as_server_user "'$bin/pg_ctl' -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
