# Sourced by bench/serve_load.sh and bench/serve_abuse.sh: start_server BINARY MODEL [OPTIONS...]
# starts autorec-serve on a free loopback port, sets $server (its pid) and $port, prints its
# first line, and stops it when the calling script exits.
start_server() {
  local binary=$1 model=$2
  shift 2
  server_log=$(mktemp)
  "$binary" --model "$model" --port 0 "$@" > "$server_log" 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$server_log"' EXIT
  for _ in $(seq 300); do grep -q "on http" "$server_log" && break; sleep 0.1; done
  port=$(grep -o ':[0-9]*$' "$server_log" | tr -d :)
  [ -n "$port" ] || { cat "$server_log"; exit 1; }
  head -1 "$server_log"
}
