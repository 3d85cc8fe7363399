#include "stream/sasl_mechanisms.hpp"

#include <algorithm>

#include "net/transport.hpp"

namespace jabberadmin::stream::sasl {
namespace {
bool needs_binding(std::string_view name) { return name.ends_with("-PLUS"); }
}  // namespace

const std::vector<std::string>& channel_binding_types() {
  // tls-exporter first: RFC 9266 makes it the one for TLS 1.3, where tls-unique is gone.
  static const std::vector<std::string> types{"tls-exporter", "tls-server-end-point"};
  return types;
}

void Mechanisms::add(std::string name, Factory factory) { entries_.push_back({std::move(name), std::move(factory)}); }

bool Mechanisms::known(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == name; });
}

std::vector<std::string> Mechanisms::bindings(const net::Transport& transport) {
  std::vector<std::string> out;
  for (const auto& type : channel_binding_types())
    if (transport.channel_binding(type)) out.push_back(type);
  return out;
}

std::vector<std::string> Mechanisms::offered(const net::Transport& transport) const {
  const bool binding = !bindings(transport).empty();
  std::vector<std::string> out;
  for (const auto& e : entries_)
    if (allowed(e.name) && (binding || !needs_binding(e.name))) out.push_back(e.name);
  return out;
}

std::vector<std::string> Mechanisms::advertised_bindings(const net::Transport& transport) const {
  const auto names = offered(transport);
  if (std::none_of(names.begin(), names.end(), [](const std::string& n) { return needs_binding(n); })) return {};
  return bindings(transport);
}

std::unique_ptr<Mechanism> Mechanisms::create(std::string_view name, StreamInfo info) const {
  if (!info.transport) return nullptr;
  auto names = offered(*info.transport);
  if (std::find(names.begin(), names.end(), name) == names.end()) return nullptr;
  info.plus_offered = std::any_of(names.begin(), names.end(), [](const std::string& n) { return needs_binding(n); });
  // The lists the features showed the client (RFC 6120 SASL and SASL2 offer the same).
  info.advertised_bindings = advertised_bindings(*info.transport);
  info.offered = std::move(names);
  for (const auto& e : entries_)
    if (e.name == name) return e.factory(info);
  return nullptr;
}

}  // namespace jabberadmin::stream::sasl
