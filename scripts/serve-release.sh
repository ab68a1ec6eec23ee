# Sourced by the scripts that test the release server: `serve_release <port> <log> <args…>`
# starts ./target/release/tenex with <args…>, sets $server to its pid, and returns once
# /healthz answers (or exits, showing the log, when the server dies or stays silent 60 s).
# The caller sets its environment and traps EXIT to stop $server.

serve_release() {
  local port=$1 log=$2
  shift 2
  ./target/release/tenex "$@" > "$log" 2>&1 &
  server=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { cat "$log"; echo "the server exited" >&2; exit 1; }
    sleep 0.5
  done
  cat "$log"
  echo "the server did not answer on :$port within 60 s" >&2
  exit 1
}
