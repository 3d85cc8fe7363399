#!/bin/sh
# Builds the libFuzzer target for the XMPP stream parser with clang-14 (ASan + UBSan).
#   fuzz/build.sh [OUTDIR]          -> OUTDIR/stream_parser_fuzz (default build-fuzz)
#   build-fuzz/stream_parser_fuzz -max_total_time=60 -max_len=8192 build-fuzz/corpus fuzz/corpus
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build-fuzz"}
mkdir -p "$out/corpus"
clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root/server" "$root/fuzz/stream_parser_fuzz.cpp" "$root/server/xml/element.cpp" \
  "$root/server/xml/stream_parser.cpp" -lexpat -o "$out/stream_parser_fuzz"
echo "built $out/stream_parser_fuzz"
