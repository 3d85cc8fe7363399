#!/bin/sh
# Builds the libFuzzer targets with clang-14 (ASan + UBSan), each from its sources alone.
#   fuzz/build.sh [OUTDIR [TARGET...]]     -> OUTDIR/<target>_fuzz (default build-fuzz, every target)
#   fuzz/run.sh TARGET SECONDS [OUTDIR]    -> runs one from its corpus in fuzz/corpus/TARGET
# Targets: stream_parser sasl_plain jid csv settings avatar, and the server modules' parsers:
# caps pep_config sm blocking stanza mam_query, and SCRAM's and FAST's client messages: scram;
# the HTTPS listener's requests (Beast's parser with the listener's limits): http_request;
# what a BOSH client POSTs (the <body/> parser, the rid window): bosh_body
# HTTP file upload's names, types and requests at /upload/: upload
# the DNS SRV answers federation reads: s2s_srv
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/build-fuzz"}
[ $# -gt 0 ] && shift
targets=${*:-"stream_parser sasl_plain jid csv settings avatar caps pep_config sm blocking stanza mam_query scram http_request bosh_body upload s2s_srv"}
mkdir -p "$out"
cxx="clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
lib="$root/libjabberadmin/src"
inc="-I$root/libjabberadmin/include -I$root/server"
xml="$root/server/xml/element.cpp $root/server/xml/stream_parser.cpp"
jid="$lib/jid.cpp $lib/error.cpp $lib/encoding.cpp"
idn="$(pkg-config --libs libidn libidn2)"
# The HTTPS listener and the store count into the process's metrics (server/metrics).
metrics="$root/server/metrics/server_metrics.cpp $root/server/metrics/registry.cpp"
metrics="$metrics $root/server/metrics/instruments.cpp $root/server/metrics/exposition.cpp"
for target in $targets; do
  case $target in
    stream_parser) srcs="$root/server/xml/element.cpp $root/server/xml/stream_parser.cpp"; libs="-lexpat"; flags="" ;;
    sasl_plain) srcs="$root/server/stream/sasl_plain.cpp $lib/encoding.cpp"; libs="-lcrypto"; flags="" ;;
    jid) srcs="$lib/jid.cpp $lib/error.cpp $lib/encoding.cpp"; libs="$(pkg-config --libs libidn libidn2) -lcrypto"; flags="" ;;
    csv) srcs="$lib/csv.cpp $lib/password.cpp $lib/scram.cpp $lib/error.cpp $lib/encoding.cpp"; libs="$(pkg-config --libs libxcrypt libidn) -lcrypto"; flags="" ;;
    settings)
      srcs="$lib/settings.cpp $lib/ip_network.cpp $lib/jid.cpp $lib/error.cpp $lib/encoding.cpp"
      # The settings' defaults name the install's data directory (the web client's files).
      libs="$(pkg-config --libs tomlplusplus libidn libidn2) -lcrypto"
      flags="$(pkg-config --cflags tomlplusplus) -DJABBERADMIN_DATADIR=\"/usr/share/jabberadmin\"" ;;
    avatar)
      srcs="$lib/avatar.cpp $lib/avatar_libjpeg.cpp $lib/error.cpp $lib/encoding.cpp"
      libs="$(pkg-config --libs Magick++) -ljpeg -lcrypto"; flags="$(pkg-config --cflags Magick++) -DJABBERADMIN_HAVE_MAGICK=1" ;;
    caps) srcs="$xml $root/server/caps/caps_hash.cpp $lib/encoding.cpp"; libs="-lexpat -lcrypto"; flags="" ;;
    pep_config) srcs="$xml $root/server/pep/node_config.cpp"; libs="-lexpat"; flags="" ;;
    sm) srcs="$xml $root/server/sm/unacked_queue.cpp"; libs="-lexpat"; flags="" ;;
    blocking) srcs="$xml $root/server/blocking/blocklist.cpp $jid"; libs="-lexpat $idn -lcrypto"; flags="" ;;
    stanza) srcs="$xml $root/server/stream/stanza.cpp $root/server/stream/stanza_view.cpp $jid"; libs="-lexpat $idn -lcrypto"; flags="" ;;
    mam_query) srcs="$xml $root/server/mam/archive_query.cpp $root/server/util/utc_time.cpp $jid"; libs="-lexpat $idn -lcrypto"; flags="" ;;
    scram)
      srcs="$root/server/auth/scram_mechanism.cpp $root/server/stream/sasl_mechanisms.cpp $root/server/stream/sasl_plain.cpp"
      srcs="$srcs $root/server/fast/hashed_token.cpp $lib/scram.cpp $jid"; libs="$idn -lcrypto"; flags="" ;;
    http_request)
      srcs="$xml $root/server/http/listener.cpp $root/server/http/routes.cpp $root/server/http/host_meta.cpp"
      srcs="$srcs $root/server/http/websocket_framing.cpp $root/server/net/listener.cpp $root/server/util/log.cpp"
      # With Boost's asserts, as the server is built: a chunked body (whose Boost 1.74 parser
      # asserts wrongly, boostorg/beast#2861) is refused on its header, as the listener does.
      srcs="$srcs $root/server/util/repeat_filter.cpp $lib/error.cpp $lib/encoding.cpp $metrics"
      libs="-lexpat -lssl -lcrypto -lpthread"; flags="" ;;
    bosh_body) srcs="$xml $root/server/http/bosh_body.cpp $root/server/http/bosh_rids.cpp"; libs="-lexpat"; flags="" ;;
    upload)
      srcs="$root/server/upload/file_names.cpp $root/server/upload/slots.cpp $root/server/upload/http_files.cpp"
      srcs="$srcs $root/server/upload/upload_store.cpp $root/server/store/database.cpp $root/server/http/listener.cpp"
      srcs="$srcs $root/server/http/routes.cpp $root/server/net/listener.cpp $root/server/util/log.cpp"
      srcs="$srcs $root/server/util/repeat_filter.cpp $lib/encoding.cpp $lib/error.cpp $metrics"
      libs="-lsqlite3 -lssl -lcrypto -lpthread"
      flags="-DBOOST_DISABLE_ASSERTS" ;;
    s2s_srv) srcs="$root/server/s2s/resolver.cpp"; libs="-lresolv -lpthread"; flags="" ;;
    *) echo "unknown fuzz target: $target" >&2; exit 2 ;;
  esac
  # shellcheck disable=SC2086 # word splitting of the flag lists is meant
  $cxx $inc $flags "$root/fuzz/${target}_fuzz.cpp" $srcs $libs -o "$out/${target}_fuzz"
  echo "built $out/${target}_fuzz"
done
