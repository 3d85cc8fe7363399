// Test doubles for the server layers: an in-memory transport, a scripted authenticator,
// a session that records what it was sent.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "net/transport.hpp"
#include "stream/authenticator.hpp"
#include "stream/session.hpp"
#include "xml/element.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::test {

class FakeTransport : public net::Transport {
 public:
  std::string sent;
  bool is_secure = false;
  bool closed = false;
  bool tls_started = false;
  std::string peer = "192.0.2.1";
  std::chrono::milliseconds paused{0};  // all pause_reading() asked for
  std::map<std::string, std::string, std::less<>> bindings;  // channel-binding type -> data

  void send(std::string bytes) override {
    if (!closed) sent += bytes;
  }
  void start_tls() override { tls_started = true; }
  bool secure() const override { return is_secure; }
  bool tls_available() const override { return true; }
  void close() override { closed = true; }
  const std::string& peer_address() const override { return peer; }
  void pause_reading(std::chrono::milliseconds d) override { paused += d; }
  std::optional<std::string> channel_binding(std::string_view type) const override {
    const auto found = bindings.find(type);
    if (found == bindings.end()) return std::nullopt;
    return found->second;
  }
  std::string take() { return std::exchange(sent, {}); }
};

class FakeAuthenticator : public stream::Authenticator {
 public:
  explicit FakeAuthenticator(boost::asio::io_context& io) : io_(io) {}
  std::map<std::string, std::string> passwords;  // user -> password
  std::vector<std::string> locked;
  int calls = 0;
  void check(std::string user, std::string password, std::function<void(stream::AuthResult)> done) override {
    ++calls;
    stream::AuthResult r = stream::AuthResult::NotAuthorized;
    if (std::find(locked.begin(), locked.end(), user) != locked.end()) r = stream::AuthResult::AccountDisabled;
    else if (passwords.contains(user) && passwords[user] == password) r = stream::AuthResult::Success;
    boost::asio::post(io_, [done, r] { done(r); });
  }

 private:
  boost::asio::io_context& io_;
};

class FakeSession : public stream::Session {
 public:
  explicit FakeSession(Jid jid) : jid_(std::move(jid)) {}
  std::vector<xml::Element> received;
  std::string terminated;
  stream::SessionHost* host = nullptr;
  const Jid& jid() const override { return jid_; }
  void deliver(const xml::Element& stanza) override { received.push_back(stanza); }
  // Read back as a client would, so tests see exactly the bytes a stream would have sent.
  void deliver_serialized(std::string stanza) override {
    xml::StreamParser parser;
    std::vector<xml::StreamEvent> events;
    const auto error = parser.feed(
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + stanza, events);
    if (error || events.size() != 2 || !std::holds_alternative<xml::Element>(events[1]))
      throw std::runtime_error("not one well-formed stanza: " + stanza);
    received.push_back(std::get<xml::Element>(events[1]));
  }
  void terminate(std::string_view condition, std::string_view) override {
    terminated = condition;
    if (host) host->unbind(*this);
  }
  std::vector<xml::Element> take() { return std::exchange(received, {}); }

 private:
  Jid jid_;
};

}  // namespace jabberadmin::test
