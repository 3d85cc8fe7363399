// cl-jabberd's metrics: one registry for the process, and the instruments the layers
// update (each found once here, so no update looks anything up). Every name is listed in
// cl-jabberd(8) "METRICS", and packaging/grafana/ draws them; a test checks the dashboard
// against names().
#pragma once

#include <array>
#include <string_view>

#include "metrics/registry.hpp"

namespace jabberadmin::metrics {

// The three stanza kinds, as stream::StanzaKind numbers them (Message, Presence, Iq).
inline constexpr std::array<std::string_view, 3> kStanzaKinds{"message", "presence", "iq"};

struct ServerMetrics {
  ServerMetrics();

  Registry registry;
  // Collected at each scrape: bound client sessions, by served host.
  Family<Gauge>& sessions;
  // SASL (RFC 6120 and SASL2), FAST tokens included: by the mechanism, which is always one the
  // server offers (an unknown one never starts an exchange); failures also by condition.
  Family<Counter>& logins;
  Family<Counter>& login_failures;
  // Stanzas on client streams: read from clients, and handed to a client session for delivery.
  std::array<Counter*, 3> stanzas_received;
  std::array<Counter*, 3> stanzas_sent;
  // XML bytes of client streams (TCP, WebSocket, BOSH), after TLS: what the parser read and
  // what the server wrote.
  Counter& bytes_received;
  Counter& bytes_sent;
  // Collected at each scrape: messages waiting in the offline store.
  Gauge& offline_messages;
  // Directory sync: from the watch thread receiving an event to the cache applying it; the
  // lost connections, the reconnections after them, and whether it follows the directory now.
  Histogram& directory_event_delay;
  Counter& directory_lost;
  Counter& directory_reconnects;
  Gauge& directory_connected;
  // SQLite: each durable write (a COMMIT, or a writing statement outside a transaction,
  // which commits itself), fsync included.
  Histogram& sqlite_write;
  // TLS handshakes as server (and as client of other servers), by listener and result.
  Family<Counter>& tls_handshakes;
  // How late the io loop's probe timer fires.
  Histogram& event_loop_lag;
  Gauge& event_loop_lag_last;
};

// The process's metrics, made at first use.
ServerMetrics& server_metrics();

// One TLS handshake ended, on listener "xmpp" or "https".
void count_tls_handshake(std::string_view listener, bool success);

}  // namespace jabberadmin::metrics
