// The client stream the SASL tests drive, RFC 6120's framing and SASL2's alike: a C2s for
// example.org on a secure FakeTransport, with the mechanisms the test registers (none until
// it does) and "alice" / "secret" known to the authenticator; exchange() feeds it bytes and
// returns what it wrote once nothing is left to run.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fakes.hpp"
#include "jabberadmin/encoding.hpp"
#include "stream/c2s.hpp"
#include "stream/features.hpp"
#include "stream/sasl_mechanisms.hpp"

namespace jabberadmin::test {

inline constexpr std::string_view kOpen =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.org' version='1.0'>";

// Serves example.org; records the full JIDs bound and the stanzas routed.
struct SaslHost : stream::SessionHost {
  bool serves(std::string_view d) const override { return d == "example.org"; }
  void bind(stream::Session& s) override { bound.push_back(s.jid().full()); }
  void on_stanza(stream::Session&, xml::Element e) override { stanzas.push_back(std::move(e)); }
  void unbind(stream::Session&) override {}
  bool on_nonza(stream::Session&, const xml::Element&) override { return false; }
  std::size_t other_resources(const Jid&) const override { return 0; }
  std::vector<std::string> bound;
  std::vector<xml::Element> stanzas;
};

class SaslC2sFixture : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  FakeAuthenticator authenticator{io};
  SaslHost host;
  stream::FailureLimiter address_failures{10, std::chrono::minutes(1)};
  stream::FailureLimiter account_failures{5, std::chrono::minutes(1)};
  stream::AccountRates rates;
  stream::sasl::Mechanisms mechanisms;
  stream::StreamFeatures features;  // the modules' features (SASL2's inline ones, FAST)...
  bool offer_features = false;      // ...which the stream offers only when this is set
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<stream::C2s> c2s;

  SaslC2sFixture() {
    authenticator.passwords["alice"] = "secret";
    transport->is_secure = true;
  }
  void start() {
    stream::C2sContext context{authenticator, host, address_failures, account_failures, rates, {}};
    context.mechanisms = &mechanisms;
    if (offer_features) context.features = &features;
    c2s = std::make_shared<stream::C2s>(io.get_executor(), transport, context, stream::C2sConfig{}, std::nullopt);
    c2s->start();
  }
  void TearDown() override {
    if (c2s) c2s->on_closed();
  }
  // The base64 text of the one element out holds (<challenge>...</challenge>), decoded.
  static std::string decoded_text(std::string_view out) {
    const auto start = out.find('>') + 1;
    return encoding::base64_decode(out.substr(start, out.rfind("</") - start)).value_or("(not base64)");
  }
  std::string exchange(std::string_view in) {
    c2s->on_data(in);
    io.restart();
    while (io.poll() > 0) {
    }
    return transport->take();
  }
};

}  // namespace jabberadmin::test
