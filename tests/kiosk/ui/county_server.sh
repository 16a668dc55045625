# Sourced by the county loop tests: start_county_server COUNTY_SERVER DATA LOG
# starts the real county-server on a free loopback port and sets $server_pid
# and $port once it serves (the caller kills $server_pid when done).
start_county_server() {
  "$1" --data "$2" --listen 127.0.0.1:0 > "$3" 2>&1 &
  server_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(grep -o 'HTTP on 127.0.0.1:[0-9]*' "$3" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "county-server did not start" >&2
  cat "$3" >&2
  return 1
}
