#!/bin/sh
# bench/http — authenticated GET /v1/me and GET /health on `visible serve`,
# against nginx serving a small static file as the ceiling, in one run:
# wrk on loopback, 2 threads, 64 connections. Prints requests/s, p99 and
# the ratio to nginx. Figures only; never fails for slowness.
set -u
cd "$(dirname "$0")/.."
DUR=${BENCH_DURATION:-10}
for t in wrk nginx; do
  command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || { echo "bench/http: $t missing (scripts/install-deps)"; exit 0; }
done
[ -x build/visible ] || make -s build/visible
tmp=$(mktemp -d)
trap 'kill $vpid $npid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# nginx: one worker per core, a 60-byte file
chmod 755 "$tmp"; mkdir -p "$tmp/www"; chmod 755 "$tmp/www"
printf '{"status":"ok","version":"0.1.0","schema":1,"time_ms":0}\n' > "$tmp/www/health.json"
chmod 644 "$tmp/www/health.json"
cat > "$tmp/nginx.conf" <<NGX
worker_processes 2;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:18181;
    location / { root $tmp/www; }
  }
}
NGX
/usr/sbin/nginx -c "$tmp/nginx.conf" -p "$tmp" & npid=$!

./build/visible serve --listen 127.0.0.1:18180 --db "$tmp/v.db" --quiet \
  --set ratelimit.per_minute=0 --set auth.pwhash_mem_kib=1024 > "$tmp/v.out" 2>&1 & vpid=$!
i=0
while ! grep -q '^API:' "$tmp/v.out" 2>/dev/null; do sleep 0.1; i=$((i+1)); [ $i -gt 100 ] && { cat "$tmp/v.out"; exit 1; }; done
sleep 0.3
TOKEN=$(cat "$tmp/admin.token")
cat > "$tmp/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

run() { # name url [script]
  if [ -n "${3:-}" ]; then out=$(wrk -t2 -c64 -d${DUR}s --latency -s "$3" "$2"); else out=$(wrk -t2 -c64 -d${DUR}s --latency "$2"); fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  printf '%-34s %12s req/s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p99" "${non2xx:-0}"
  eval "$4=$rps"
}
echo "wrk -t2 -c64 -d${DUR}s on loopback, $(nproc) cores"
run "nginx static file (ceiling)" http://127.0.0.1:18181/health.json "" NG
run "visible GET /health" http://127.0.0.1:18180/health "" VH
run "visible GET /v1/me (bearer token)" http://127.0.0.1:18180/v1/me "$tmp/auth.lua" VM
awk -v a="$VH" -v b="$VM" -v n="$NG" 'BEGIN {
  printf "ratio /health : nginx = %.2f\nratio /v1/me  : nginx = %.2f (target >= 0.50)\n", a/n, b/n }'
