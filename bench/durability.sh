# store.durability side by side: claim -> submit cycles over HTTP with
# durability=normal and durability=full in one run (bench/microwork, 5 s
# each), then the ledger's tx/s in both modes (bench/ledger).
cd "$(dirname "$0")/.." || exit 1
for d in normal full; do
  r=$(BENCH_DURABILITY=$d BENCH_SECONDS=${BENCH_SECONDS:-5} build/bench/microwork 2>&1 | grep -m1 "over HTTP")
  echo "store.durability=$d  claim -> submit $r"
done
build/bench/ledger 2>&1 | grep -i "synchronous"
