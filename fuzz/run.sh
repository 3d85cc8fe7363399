#!/bin/sh
# Runs one libFuzzer target for SECONDS from the corpus in the repo (fuzz/corpus/TARGET),
# new inputs going to a scratch copy in OUTDIR so the repo is never written. Exit 0 when
# it found nothing; a crash leaves OUTDIR/TARGET-crash-* and exits non-zero.
#   fuzz/run.sh TARGET SECONDS [OUTDIR]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
target=$1
seconds=$2
out=${3:-"$root/build-fuzz"}
[ -x "$out/${target}_fuzz" ] || "$root/fuzz/build.sh" "$out" "$target"
mkdir -p "$out/corpus-$target"
exec "$out/${target}_fuzz" -max_total_time="$seconds" -max_len=8192 -timeout=30 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/$target-" "$out/corpus-$target" "$root/fuzz/corpus/$target"
