#include "metrics/server_metrics.hpp"

namespace jabberadmin::metrics {
namespace {

// Seconds, for latencies from a fraction of a millisecond (a commit on a fast disk) to
// seconds (a stalled loop, a slow fsync).
const std::vector<double> kLatencyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1,     2.5,  5,     10};

std::array<Counter*, 3> by_kind(Family<Counter>& family) {
  std::array<Counter*, 3> out{};
  for (std::size_t i = 0; i < kStanzaKinds.size(); ++i) out[i] = &family.with({std::string(kStanzaKinds[i])});
  return out;
}

}  // namespace

ServerMetrics::ServerMetrics()
    : sessions(registry.gauge("cl_jabberd_sessions", "Client sessions bound to a resource, by served host.", {"host"})),
      logins(registry.counter("cl_jabberd_logins_total", "Successful SASL logins, by mechanism.", {"mechanism"})),
      login_failures(registry.counter("cl_jabberd_login_failures_total",
                                      "Failed SASL logins, by mechanism and SASL condition.", {"mechanism", "reason"})),
      stanzas_received(by_kind(registry.counter("cl_jabberd_stanzas_received_total",
                                                "Stanzas read from client streams, by kind.", {"kind"}))),
      stanzas_sent(by_kind(registry.counter("cl_jabberd_stanzas_sent_total",
                                            "Stanzas handed to client sessions for delivery, by kind.", {"kind"}))),
      bytes_received(registry.counter("cl_jabberd_c2s_received_bytes_total",
                                      "XML bytes read from client streams (TCP, WebSocket, BOSH), after TLS.").get()),
      bytes_sent(registry.counter("cl_jabberd_c2s_sent_bytes_total",
                                  "XML bytes written to client streams (TCP, WebSocket, BOSH), before TLS.").get()),
      offline_messages(registry.gauge("cl_jabberd_offline_messages", "Messages waiting in the offline store.").get()),
      directory_event_delay(registry
                                .histogram("cl_jabberd_directory_event_delay_seconds",
                                           "Time from the directory watch receiving a change to the cache applying it.",
                                           kLatencyBuckets)
                                .get()),
      directory_lost(registry.counter("cl_jabberd_directory_lost_total",
                                      "Times the directory could no longer be followed (one per outage).").get()),
      directory_reconnects(registry.counter("cl_jabberd_directory_reconnects_total",
                                            "Times the directory was followed again after an outage.").get()),
      directory_connected(registry.gauge("cl_jabberd_directory_connected",
                                         "1 while the directory is followed, 0 before the first sync and during an outage.")
                              .get()),
      sqlite_write(registry
                       .histogram("cl_jabberd_sqlite_write_duration_seconds",
                                  "Durable SQLite writes (a COMMIT, or a statement committing itself), fsync included.",
                                  kLatencyBuckets)
                       .get()),
      tls_handshakes(registry.counter("cl_jabberd_tls_handshakes_total",
                                      "TLS handshakes, by listener (xmpp: client and server streams; https) and result.",
                                      {"listener", "result"})),
      event_loop_lag(registry
                         .histogram("cl_jabberd_event_loop_lag_seconds",
                                    "How late the io loop's probe timer fired: the wait a ready handler had.",
                                    kLatencyBuckets)
                         .get()),
      event_loop_lag_last(registry.gauge("cl_jabberd_event_loop_lag_last_seconds",
                                         "How late the io loop's probe timer fired last time.").get()) {
  // Known series shown from the start at 0, so a rate over them has a beginning.
  for (const char* listener : {"xmpp", "https"})
    for (const char* result : {"success", "failure"}) (void)tls_handshakes.with({listener, result});
}

ServerMetrics& server_metrics() {
  static ServerMetrics metrics;
  return metrics;
}

void count_tls_handshake(std::string_view listener, bool success) {
  server_metrics().tls_handshakes.with({std::string(listener), success ? "success" : "failure"}).inc();
}

}  // namespace jabberadmin::metrics
