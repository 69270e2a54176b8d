#!/bin/sh
# bench/soak — mixed load on `visible serve` with its memory sampled and the
# idempotency table watched (bench/soak.py). `make bench` runs it for
# SOAK_MINUTES (default 1 minute); the full soak is 30 minutes:
#   python3 bench/soak.py            (or SOAK_MINUTES=30 sh bench/soak.sh)
# Figures only; never fails for a figure.
set -u
cd "$(dirname "$0")/.."
[ -x build/visible ] || make -s build/visible
MIN=${SOAK_MINUTES:-1}
echo "bench/soak: ${MIN} min here (shortened for make bench; the full soak is 30 min: python3 bench/soak.py)"
VISIBLE_BIN=${VISIBLE_BIN:-build/visible} /usr/bin/python3 bench/soak.py --minutes "$MIN"
