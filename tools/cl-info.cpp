// cl-info: read-only view of users and groups, for people (a table) and scripts (--json).
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "jabberadmin/turn_setup.hpp"

using namespace jabberadmin;
using nlohmann::json;

namespace {

json to_json(const User& u) {
  return {{"name", u.name},   {"nickname", u.nickname},         {"jid", u.jid},
          {"group", u.group ? json(*u.group) : json(nullptr)},   {"locked", u.locked},
          {"expires", u.expires ? json(format_date(*u.expires)) : json(nullptr)}, {"expired", u.expired},
          {"avatar", !u.photo.empty()}, {"password", u.has_password}};
}

// With group rooms, each group with members has a room (cl-jabberd(8)): its JID, null for
// an empty group. Without (off, or no Jabber service set up): no "room" key at all.
json to_json(const Group& g, const Settings& settings) {
  json out{{"name", g.name}, {"members", g.members}};
  if (settings.jabber.configured && settings.jabber.group_rooms) {
    const auto room = g.members.empty() ? std::nullopt : settings.group_room(g.name);
    out["room"] = room ? json(*room) : json(nullptr);
  }
  return out;
}

void print(const User& u) {
  // Names written to the directory by other programs may hold anything: shown printable.
  std::cout << printable(u.name) << "\t" << printable(u.jid) << "\t" << printable(u.nickname) << "\t" << cli::format(_("group: %s"), u.group.value_or("-"));
  if (u.locked) std::cout << "\t" << _("locked");
  if (u.expires)
    std::cout << "\t" << cli::format(u.expired ? _("expired %s") : _("expires %s"), format_date(*u.expires));
  if (!u.photo.empty()) std::cout << "\t" << _("avatar");
  if (!u.has_password) std::cout << "\t" << _("no password");
  std::cout << '\n';
}

void print(const Group& g, const Settings& settings) {
  std::cout << printable(g.name) << ":";
  for (const auto& m : g.members) std::cout << " " << printable(m);
  if (const auto room = g.members.empty() ? std::nullopt : settings.group_room(g.name))
    std::cout << "\t" << cli::format(_("room: %s"), printable(*room));
  std::cout << '\n';
}

// The federation policy (cl-jabberd(8), "Federation"), once a Jabber service is set up:
// whether it is on, and which remote domains are refused or, with an allow list, the only ones.
json federation_json(const JabberSettings& j) {
  return {{"enabled", j.s2s},           {"port", j.s2s_port},       {"tls_port", j.s2s_tls_port},
          {"dialback", j.s2s_dialback}, {"blocked", j.s2s_block}, {"allowed", j.s2s_allow}};
}

void print_federation(const JabberSettings& j) {
  if (!j.s2s) {
    std::cout << _("Federation: off") << '\n';
    return;
  }
  std::cout << cli::format(j.s2s_dialback ? _("Federation: on, port %s, dialback allowed")
                                          : _("Federation: on, port %s, valid certificates required"),
                           std::to_string(j.s2s_port))
            << '\n';
  auto list = [](const std::vector<std::string>& domains) {
    std::string out;
    for (const auto& d : domains) out += (out.empty() ? "" : ", ") + printable(d);
    return out;
  };
  if (j.s2s_tls_port != 0)
    std::cout << cli::format(_("  direct TLS (XEP-0368): port %s"), std::to_string(j.s2s_tls_port)) << '\n';
  if (!j.s2s_block.empty()) std::cout << cli::format(_("  blocked: %s"), list(j.s2s_block)) << '\n';
  if (!j.s2s_allow.empty()) std::cout << cli::format(_("  only with: %s"), list(j.s2s_allow)) << '\n';
}

// Calls (cl-jabberd(8), "CALLS"): the relay cl-jabberd hands out, once a Jabber service is
// set up. The secret is never shown.
json calls_json(const Settings& s) {
  const JabberSettings& j = s.jabber;
  if (!j.turn) return {{"enabled", false}};
  return {{"enabled", true},       {"host", setup::turn_host(s)}, {"port", j.turn_port}, {"tls_port", j.turn_tls_port},
          {"credential_lifetime", j.turn_credential_lifetime}, {"allowed_peers", j.turn_allow_peers}};
}

void print_calls(const Settings& s) {
  const JabberSettings& j = s.jabber;
  if (!j.turn) {
    std::cout << _("Calls: no relay (STUN/TURN off)") << '\n';
    return;
  }
  std::cout << cli::format(_("Calls: STUN/TURN at %s, port %s"), printable(setup::turn_host(s)), std::to_string(j.turn_port))
            << '\n';
  if (j.turn_tls_port != 0)
    std::cout << cli::format(_("  TURN over TLS: port %s"), std::to_string(j.turn_tls_port)) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  cli::Tool tool("cl-info", N_("Show Jabber users and groups"));
  bool as_json = false;
  std::optional<std::string> user, group;
  tool.app.add_flag("--json", as_json, _("Print JSON for scripts"));
  auto* g = tool.app.add_option("-g,--group", group, _("Show this group and its members"));
  tool.app.add_option("user", user, _("Show this user"))->excludes(g);
  return tool.run(argc, argv, [&] {
    const Directory directory = tool.directory();
    const Settings settings = tool.settings();
    if (user) {
      const User u = directory.user(*user);
      as_json ? void(std::cout << to_json(u).dump(2) << '\n') : print(u);
    } else if (group) {
      const Group found = directory.group(*group);
      as_json ? void(std::cout << to_json(found, settings).dump(2) << '\n') : print(found, settings);
    } else {
      const auto users = directory.users();
      const auto groups = directory.groups();
      if (as_json) {
        json out{{"users", json::array()}, {"groups", json::array()}};
        for (const auto& u : users) out["users"].push_back(to_json(u));
        for (const auto& gr : groups) out["groups"].push_back(to_json(gr, settings));
        if (settings.jabber.configured) {
          out["federation"] = federation_json(settings.jabber);
          out["calls"] = calls_json(settings);
        }
        std::cout << out.dump(2) << '\n';
      } else {
        std::cout << _("Users:") << '\n';
        for (const auto& u : users) print(u);
        std::cout << _("Groups:") << '\n';
        for (const auto& gr : groups) print(gr, settings);
        if (settings.jabber.configured) {
          print_federation(settings.jabber);
          print_calls(settings);
        }
      }
    }
    return 0;
  });
}
