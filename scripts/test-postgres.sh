#!/usr/bin/env bash
# Start (or stop) a throw-away PostgreSQL server for the test suite.
#   scripts/test-postgres.sh start DIR   -> prints the connection URL on stdout
#   scripts/test-postgres.sh stop DIR
# Installs PostgreSQL from Debian's packages when it is missing; runs the server as an
# unprivileged user in DIR on a Unix socket and a free loopback port.
set -euo pipefail
action=${1:?start|stop}
dir=${2:?directory}

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

if [ "$action" = stop ]; then
  bin=$(find_bin) || exit 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then
      su postgres -s /bin/sh -c "$bin/pg_ctl -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true
    else
      "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
  fi
  exit 0
fi

if ! bin=$(find_bin); then
  echo "PostgreSQL not found: installing it from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

mkdir -p "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
  chown -R postgres "$dir"
  chmod 755 "$dir"
  run() { su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; }
fi
run "$bin/initdb" -D "$dir/data" -U sdg --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >&2
echo "postgresql://sdg@127.0.0.1:$port/postgres"
