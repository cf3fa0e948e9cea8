# Sourced by scripts/test: starts a throwaway PostgreSQL 15 server on loopback for the
# `pg` tests and exports DROPSLOT_TEST_PG_URL. The server runs as the `postgres` user
# (PostgreSQL refuses root) from a data folder under the build tree; stop_postgres
# removes it.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
pg_dir=""
start_postgres() {
  local port=${DROPSLOT_TEST_PG_PORT:-55432}
  [[ -x $pg_bin/initdb ]] || { echo "test: PostgreSQL is not installed" >&2; return 1; }
  pg_dir=$(mktemp -d /tmp/dropslot-pg.XXXXXX)
  chown postgres:postgres "$pg_dir"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust -E UTF8 >/dev/null
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pg_dir -c fsync=off -c max_connections=200" start >/dev/null
  export DROPSLOT_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "test: PostgreSQL on 127.0.0.1:$port"
}
stop_postgres() {
  [[ -n $pg_dir && -d $pg_dir ]] || return 0
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
