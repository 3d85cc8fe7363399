#include "jabberadmin/ldap.hpp"

#include "jabberadmin/encoding.hpp"
#include "ldap_message.hpp"

#include <ldap.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <set>
#include <cstring>

namespace jabberadmin::ldap {
namespace {

void append_hex(std::string& out, unsigned char c) {
  out += '\\';
  encoding::append_hex(out, c);
}

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

bool is_loopback_host(const char* host) {
  if (host == nullptr || *host == '\0') return true;  // ldap:/// means the local default
  std::string_view h(host);
  return h == "localhost" || h.starts_with("127.") || h == "::1" || h == "[::1]";
}

// Owns the berval arrays an LDAPMod list points into for one add or modify call.
class ModList {
 public:
  void push(int op, const std::string& attribute, const std::vector<std::string>& values) {
    auto& vals = values_.emplace_back();
    for (const auto& v : values) vals.push_back(berval{static_cast<ber_len_t>(v.size()), const_cast<char*>(v.data())});
    auto& ptrs = value_ptrs_.emplace_back();
    for (auto& bv : vals) ptrs.push_back(&bv);
    ptrs.push_back(nullptr);
    LDAPMod mod{};
    mod.mod_op = op | LDAP_MOD_BVALUES;
    mod.mod_type = const_cast<char*>(attribute.c_str());
    mod.mod_bvalues = values.empty() ? nullptr : ptrs.data();
    mods_.push_back(mod);
  }
  LDAPMod** get() {
    pointers_.clear();
    for (auto& m : mods_) pointers_.push_back(&m);
    pointers_.push_back(nullptr);
    return pointers_.data();
  }

 private:
  // Moving an inner vector when the outer one grows keeps its heap buffer, so the pointers
  // taken into it stay valid; inner vectors are never grown after pointers are taken.
  std::vector<std::vector<berval>> values_;
  std::vector<std::vector<berval*>> value_ptrs_;
  std::vector<LDAPMod> mods_;
  std::vector<LDAPMod*> pointers_;
};

}  // namespace

Entry entry_from_message(::ldap* ld, LDAPMessage* message) {
  Entry entry;
  if (char* dn = ldap_get_dn(ld, message)) {
    entry.dn = dn;
    ldap_memfree(dn);
  }
  BerElement* ber = nullptr;
  for (char* a = ldap_first_attribute(ld, message, &ber); a != nullptr; a = ldap_next_attribute(ld, message, ber)) {
    auto& values = entry.attributes[a];
    if (berval** vals = ldap_get_values_len(ld, message, a)) {
      for (berval** v = vals; *v != nullptr; ++v) values.emplace_back((*v)->bv_val, (*v)->bv_len);
      ldap_value_free_len(vals);
    }
    ldap_memfree(a);
  }
  if (ber != nullptr) ber_free(ber, 0);
  return entry;
}

std::string escape_dn_value(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    const bool edge_space = c == ' ' && (i == 0 || i + 1 == value.size());
    if (c < 0x20 || c == 0x7f) {
      append_hex(out, c);
    } else if (std::strchr("\"+,;<>\\=", c) != nullptr || edge_space || (c == '#' && i == 0)) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string escape_filter_value(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c == 0) {
      append_hex(out, c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string child_dn(std::string_view attr, std::string_view value, std::string_view parent) {
  std::string dn(attr);
  dn += '=';
  dn += escape_dn_value(value);
  if (!parent.empty()) {
    dn += ',';
    dn += parent;
  }
  return dn;
}

std::string filter_equals(std::string_view attr, std::string_view value) {
  return "(" + std::string(attr) + "=" + escape_filter_value(value) + ")";
}

std::string filter_and(const std::vector<std::string>& filters) {
  std::string out = "(&";
  for (const auto& f : filters) out += f;
  return out + ")";
}

bool AttributeLess::operator()(std::string_view a, std::string_view b) const {
  const auto n = std::min(a.size(), b.size());
  const int r = strncasecmp(a.data(), b.data(), n);
  return r != 0 ? r < 0 : a.size() < b.size();
}

std::optional<std::string> Entry::first(std::string_view name) const {
  const auto it = attributes.find(std::string(name));
  if (it == attributes.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

bool Entry::has(std::string_view name) const {
  const auto it = attributes.find(std::string(name));
  return it != attributes.end() && !it->second.empty();
}

void Connection::Closer::operator()(::ldap* handle) const noexcept { ldap_unbind_ext_s(handle, nullptr, nullptr); }

Connection::Connection(::ldap* handle, ConnectOptions options) : handle_(handle), options_(std::move(options)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

void Connection::fail(int code, std::string_view what, const std::string& target) const {
  std::string message = std::string(what);
  if (!target.empty()) message += " " + target;
  message += ": ";
  message += ldap_err2string(code);
  char* diagnostic = nullptr;
  if (handle_ && ldap_get_option(handle_.get(), LDAP_OPT_DIAGNOSTIC_MESSAGE, &diagnostic) == LDAP_OPT_SUCCESS &&
      diagnostic != nullptr) {
    if (*diagnostic != '\0') message += std::string(" (") + diagnostic + ")";
    ldap_memfree(diagnostic);
  }
  message += " [" + options_.uri + "]";
  if (code == LDAP_INSUFFICIENT_ACCESS)
    message += " as " + (options_.bind_dn.empty() ? std::string("the SASL EXTERNAL identity") : options_.bind_dn);
  throw LdapError(code, message);
}

Connection Connection::open(const ConnectOptions& options) {
  ::ldap* raw = nullptr;
  int rc = ldap_initialize(&raw, options.uri.c_str());
  if (rc != LDAP_SUCCESS || raw == nullptr)
    throw LdapError(rc, "invalid LDAP URI '" + options.uri + "': " + ldap_err2string(rc));
  Connection conn(raw, options);
  LDAP* ld = conn.handle_.get();

  const int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
  const timeval network = to_timeval(options.network_timeout);
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &network);
  const timeval operation = to_timeval(options.operation_timeout);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &operation);

  LDAPURLDesc* url = nullptr;
  if (ldap_url_parse(options.uri.c_str(), &url) != LDAP_URL_SUCCESS)
    throw LdapError(LDAP_PARAM_ERROR, "invalid LDAP URI '" + options.uri + "'");
  const std::string scheme = url->lud_scheme ? url->lud_scheme : "ldap";
  const bool loopback = is_loopback_host(url->lud_host);
  ldap_free_urldesc(url);

  // Passwords cross the network only inside TLS; loopback and ldapi:// stay on this host.
  if (scheme == "ldap" && !loopback && options.require_tls) {
    rc = ldap_start_tls_s(ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) conn.fail(rc, "cannot start TLS with the LDAP server", "");
  }

  berval cred{0, nullptr};
  if (!options.bind_dn.empty()) {
    if (options.bind_password.empty())
      throw LdapError(LDAP_INAPPROPRIATE_AUTH, "refusing to bind as " + options.bind_dn + " with an empty password");
    cred = berval{static_cast<ber_len_t>(options.bind_password.size()), const_cast<char*>(options.bind_password.data())};
    rc = ldap_sasl_bind_s(ld, options.bind_dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) conn.fail(rc, "cannot bind as", options.bind_dn);
  } else if (scheme == "ldapi") {
    // libsasl drives EXTERNAL: the identity is the socket peer's uid and gid.
    rc = ldap_sasl_interactive_bind_s(ld, nullptr, "EXTERNAL", nullptr, nullptr, LDAP_SASL_QUIET,
                                      [](LDAP*, unsigned, void*, void*) { return LDAP_SUCCESS; }, nullptr);
    if (rc != LDAP_SUCCESS) conn.fail(rc, "cannot bind with SASL EXTERNAL", "");
  } else {
    // Anonymous: still make sure the server is there now, not at the first operation.
    rc = ldap_sasl_bind_s(ld, nullptr, LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) conn.fail(rc, "cannot reach the LDAP server", "");
  }
  return conn;
}

std::vector<Entry> Connection::search(const std::string& base, Scope scope, const std::string& filter,
                                      const std::vector<std::string>& attributes) const {
  std::vector<char*> attrs;
  for (const auto& a : attributes) attrs.push_back(const_cast<char*>(a.c_str()));
  attrs.push_back(nullptr);
  const int ldap_scope = scope == Scope::Base ? LDAP_SCOPE_BASE : scope == Scope::OneLevel ? LDAP_SCOPE_ONELEVEL
                                                                                             : LDAP_SCOPE_SUBTREE;
  timeval timeout = to_timeval(options_.operation_timeout);
  LDAPMessage* raw = nullptr;
  const int rc = ldap_search_ext_s(handle_.get(), base.c_str(), ldap_scope, filter.c_str(),
                                   attributes.empty() ? nullptr : attrs.data(), 0, nullptr, nullptr, &timeout,
                                   LDAP_NO_LIMIT, &raw);
  std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> result(raw, ldap_msgfree);
  if (rc != LDAP_SUCCESS) fail(rc, "cannot search", base);

  std::vector<Entry> entries;
  for (LDAPMessage* e = ldap_first_entry(handle_.get(), raw); e != nullptr; e = ldap_next_entry(handle_.get(), e)) {
    Entry entry = entry_from_message(handle_.get(), e);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::optional<Entry> Connection::read(const std::string& dn, const std::vector<std::string>& attributes) const {
  try {
    auto entries = search(dn, Scope::Base, "(objectClass=*)", attributes);
    if (entries.empty()) return std::nullopt;
    return std::move(entries.front());
  } catch (const LdapError& e) {
    if (e.code() == LDAP_NO_SUCH_OBJECT) return std::nullopt;
    throw;
  }
}

void Connection::add(const std::string& dn, const Attributes& attributes) {
  ModList mods;
  for (const auto& [name, values] : attributes) mods.push(LDAP_MOD_ADD, name, values);
  const int rc = ldap_add_ext_s(handle_.get(), dn.c_str(), mods.get(), nullptr, nullptr);
  if (rc != LDAP_SUCCESS) fail(rc, "cannot add", dn);
}

std::vector<std::optional<LdapError>> Connection::add_many(const std::vector<NewEntry>& entries, std::size_t window) {
  std::vector<std::optional<LdapError>> results(entries.size());
  std::map<int, std::size_t> in_flight;  // message id -> entry index
  // DNs compare case-insensitively: each folded once, and those in flight counted.
  std::vector<std::string> folded(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i)
    std::transform(entries[i].dn.begin(), entries[i].dn.end(), std::back_inserter(folded[i]),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::multiset<std::string_view> busy_dns;
  std::size_t next = 0;
  auto record = [&](std::size_t index, int rc, const char* diagnostic) {
    if (rc == LDAP_SUCCESS) return;
    std::string message = "cannot add " + entries[index].dn + ": " + ldap_err2string(rc);
    if (diagnostic != nullptr && *diagnostic != '\0') message += std::string(" (") + diagnostic + ")";
    results[index] = LdapError(rc, message + " [" + options_.uri + "]");
  };
  while (next < entries.size() || !in_flight.empty()) {
    while (next < entries.size() && in_flight.size() < std::max<std::size_t>(1, window) &&
           !busy_dns.contains(folded[next])) {
      ModList mods;
      for (const auto& [name, values] : entries[next].attributes) mods.push(LDAP_MOD_ADD, name, values);
      int id = 0;
      const int rc = ldap_add_ext(handle_.get(), entries[next].dn.c_str(), mods.get(), nullptr, nullptr, &id);
      if (rc != LDAP_SUCCESS) {
        if (rc == LDAP_SERVER_DOWN) fail(rc, "cannot add", entries[next].dn);
        record(next, rc, nullptr);
      } else {
        in_flight.emplace(id, next);
        busy_dns.insert(folded[next]);
      }
      ++next;
    }
    if (in_flight.empty()) continue;
    timeval timeout = to_timeval(options_.operation_timeout);
    LDAPMessage* raw = nullptr;
    const int type = ldap_result(handle_.get(), LDAP_RES_ANY, LDAP_MSG_ONE, &timeout, &raw);
    std::unique_ptr<LDAPMessage, int (*)(LDAPMessage*)> reply(raw, ldap_msgfree);
    if (type <= 0) fail(type == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN, "cannot add", "entries");
    const auto it = in_flight.find(ldap_msgid(raw));
    if (it == in_flight.end()) continue;
    int rc = LDAP_OTHER;
    char* diagnostic = nullptr;
    ldap_parse_result(handle_.get(), raw, &rc, nullptr, &diagnostic, nullptr, nullptr, 0);
    record(it->second, rc, diagnostic);
    if (diagnostic != nullptr) ldap_memfree(diagnostic);
    busy_dns.erase(busy_dns.find(folded[it->second]));
    in_flight.erase(it);
  }
  return results;
}

void Connection::modify(const std::string& dn, const std::vector<Modification>& modifications,
                        const std::string& assertion) {
  ModList mods;
  for (const auto& m : modifications) {
    const int op = m.op == Modification::Op::Add      ? LDAP_MOD_ADD
                   : m.op == Modification::Op::Delete ? LDAP_MOD_DELETE
                                                      : LDAP_MOD_REPLACE;
    mods.push(op, m.attribute, m.values);
  }
  LDAPControl* control = nullptr;
  if (!assertion.empty()) {
    const int made = ldap_create_assertion_control(handle_.get(), const_cast<char*>(assertion.c_str()), 1, &control);
    if (made != LDAP_SUCCESS) fail(made, "cannot assert on", dn);
  }
  LDAPControl* controls[] = {control, nullptr};
  const int rc = ldap_modify_ext_s(handle_.get(), dn.c_str(), mods.get(), control ? controls : nullptr, nullptr);
  if (control) ldap_control_free(control);
  if (rc != LDAP_SUCCESS) fail(rc, "cannot modify", dn);
}

void Connection::remove(const std::string& dn) {
  const int rc = ldap_delete_ext_s(handle_.get(), dn.c_str(), nullptr, nullptr);
  if (rc != LDAP_SUCCESS) fail(rc, "cannot delete", dn);
}

void Connection::rename(const std::string& dn, const std::string& new_rdn) {
  const int rc = ldap_rename_s(handle_.get(), dn.c_str(), new_rdn.c_str(), nullptr, 1, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) fail(rc, "cannot rename", dn);
}

bool Connection::check_password(const std::string& dn, std::string_view password) {
  // An empty password would be an "unauthenticated bind" that slapd may accept.
  if (password.empty() || password.find('\0') != std::string_view::npos) return false;
  berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  const int rc = ldap_sasl_bind_s(handle_.get(), dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc == LDAP_SUCCESS) {
    options_.bind_dn = dn;
    return true;
  }
  if (rc == LDAP_INVALID_CREDENTIALS) return false;
  fail(rc, "cannot check the password of", dn);
}

}  // namespace jabberadmin::ldap
