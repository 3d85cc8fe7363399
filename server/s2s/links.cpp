#include "s2s/links.hpp"

#include <openssl/rand.h>

#include <boost/asio/post.hpp>

#include "s2s/dialback.hpp"
#include "s2s/inbound.hpp"
#include "s2s/outbound.hpp"
#include "util/log.hpp"

namespace jabberadmin::s2s {
namespace asio = boost::asio;

namespace {
std::string random_secret() {
  std::string secret(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1)
    throw std::runtime_error("no random bytes for the dialback secret");
  return secret;
}
// The error type RFC 6120 §8.3.3 gives each condition we bounce with.
std::string_view error_type(std::string_view condition) {
  return condition == "remote-server-not-found" || condition == "not-allowed" ? "cancel" : "wait";
}
}  // namespace

Links::Links(asio::any_io_executor executor, router::Router& router, LinkConfig config, DomainPolicy policy,
             std::shared_ptr<asio::ssl::context> tls, std::shared_ptr<const CertificateCheck> certificates,
             std::vector<S2sRoute> routes)
    : executor_(executor), router_(router), config_(std::move(config)), policy_(std::move(policy)),
      tls_(std::move(tls)), certificates_(std::move(certificates)), resolver_(executor, std::move(routes)),
      secret_(random_secret()) {}

Links::~Links() {
  // Nothing may reach back here once this is gone: detach first, then close.
  bidi_.clear();
  auto inbound = std::exchange(inbound_, {});
  auto outbound = std::exchange(outbound_, {});
  for (auto& [p, stream] : inbound) {
    stream->detach();
    stream->close("system-shutdown");
  }
  for (auto& [key, link] : outbound) {
    link->detach();
    link->close();
  }
}

std::string Links::key(std::string_view receiving, std::string_view originating, std::string_view stream_id) const {
  return dialback_key(secret_, receiving, originating, stream_id);
}

void Links::bounce(const xml::Element& stanza, std::string_view condition, std::string_view text) {
  const auto from = Jid::parse(stanza.attr_or("from"));
  const auto to = Jid::parse(stanza.attr_or("to"));
  if (!from || !to) return;
  const stream::Stanza view(stanza, *from, *to);
  if (!bounceable(view)) return;
  router_.bounce(view, error_type(condition), condition, text);
}

void Links::send(const stream::Stanza& stanza) {
  const std::string& remote = stanza.to().domain;
  const std::string& local = stanza.from().domain;
  if (!this->local(local)) return;  // nobody of ours to speak for
  if (!policy_.allows(remote)) return bounce(stanza.element(), "not-allowed", "Federation with " + remote + " is refused here");
  const auto pair = std::make_pair(local, remote);
  if (!outbound_.contains(pair))
    if (const auto bidi = bidi_.find(pair); bidi != bidi_.end()) return bidi->second->forward(stanza.element());
  if (const auto link = outbound(local, remote)) return link->send(stanza.element());
  bounce(stanza.element(), "resource-constraint", "Too many server-to-server links");
}

std::shared_ptr<Outbound> Links::outbound(const std::string& local, const std::string& remote) {
  const auto key = std::make_pair(local, remote);
  if (const auto it = outbound_.find(key); it != outbound_.end()) return it->second;
  if (link_count() >= config_.max_links) {
    log::warning("s2s: " + std::to_string(link_count()) + " links open, the limit; no link to " + remote);
    return nullptr;
  }
  auto link = std::make_shared<Outbound>(*this, local, remote);
  outbound_.emplace(key, link);
  link->start();
  return link;
}

void Links::verify(const std::string& local, const std::string& remote, const std::string& stream_id,
                   const std::string& key, std::function<void(bool)> done) {
  // The answer always comes in a later turn, so the asking stream may act on it freely.
  auto answer = [executor = executor_, done = std::move(done)](bool valid) {
    asio::post(executor, [done, valid] { done(valid); });
  };
  if (const auto link = outbound(local, remote)) return link->verify(stream_id, key, std::move(answer));
  answer(false);
}

void Links::deliver(const xml::Element& stanza, Jid from, Jid to) {
  router_.deliver(stream::Stanza(stanza, std::move(from), std::move(to)));
}

bool Links::admit(const Inbound& stream, const std::string& remote) {
  std::size_t links = 0;
  for (const auto& [p, other] : inbound_)
    if (p != &stream && other->carries(remote)) ++links;
  return links < config_.max_links_per_domain;
}

void Links::bidirectional(Inbound& stream, const std::string& local, const std::string& remote) {
  bidi_.try_emplace({local, remote}, &stream);  // the first such stream keeps the pair
}

void Links::accept(asio::ip::tcp::socket socket, bool direct_tls) {
  if (link_count() >= config_.max_links) {
    log::warning("s2s: " + std::to_string(link_count()) + " links open, the limit; refusing a connection");
    boost::system::error_code ec;
    socket.close(ec);
    return;
  }
  auto connection = std::make_shared<net::Connection>(std::move(socket), tls_, net::ConnectionOptions{});
  auto stream = std::make_shared<Inbound>(*this, connection, direct_tls);
  inbound_.emplace(stream.get(), stream);
  connection->start(stream, direct_tls);
  stream->start();
}

void Links::finished(Inbound& stream) {
  std::erase_if(bidi_, [&](const auto& entry) { return entry.second == &stream; });
  inbound_.erase(&stream);
}

void Links::finished(Outbound& link) {
  const auto it = outbound_.find({link.local(), link.remote()});
  if (it != outbound_.end() && it->second.get() == &link) outbound_.erase(it);
}

}  // namespace jabberadmin::s2s
