#include "adhoc/adhoc.hpp"

#include "last/last_activity.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <set>

#include "jabberadmin/error.hpp"
#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "stream/stanza_view.hpp"
#include "util/log.hpp"
#include "util/utc_time.hpp"

namespace jabberadmin::adhoc {
namespace {
constexpr std::string_view kData = "jabber:x:data";

struct Command {
  std::string_view fragment;  // after "admin#"
  std::string_view name;
  bool multi_stage;  // a form to fill in first
};
constexpr std::array kCommandList{
    Command{"get-online-users-num", "Get Number of Online Users", false},
    Command{"get-online-users-list", "Get List of Online Users", false},
    Command{"get-active-users-num", "Get Number of Active Users", false},
    Command{"get-active-users", "Get List of Active Users", false},
    Command{"announce", "Send Announcement to Online Users", true},
    Command{"end-user-session", "End User Session", true},
    Command{"get-user-lastlogin", "Get User Last Login Time", true},
};

std::string node_of(const Command& c) { return std::string(kAdmin) + "#" + std::string(c.fragment); }

const Command* find_command(std::string_view node, bool with_last_login) {
  for (const auto& c : kCommandList)
    if (node_of(c) == node && (with_last_login || c.fragment != "get-user-lastlogin")) return &c;
  return nullptr;
}

xml::Element field(std::string_view var, std::string_view type, std::string_view label = {}) {
  xml::Element f("field", std::string(kData));
  f.set_attr("var", var);
  if (!type.empty()) f.set_attr("type", type);
  if (!label.empty()) f.set_attr("label", label);
  return f;
}
void add_value(xml::Element& f, std::string_view value) {
  f.add(xml::Element("value", std::string(kData))).add_text(std::string(value));
}
xml::Element data_form(std::string_view type, std::string_view title) {
  xml::Element x("x", std::string(kData));
  x.set_attr("type", type);
  if (!title.empty()) x.add(xml::Element("title", std::string(kData))).add_text(std::string(title));
  xml::Element f = field("FORM_TYPE", "hidden");
  add_value(f, kAdmin);
  x.add(std::move(f));
  return x;
}
// The values of one field of a submitted form.
std::vector<std::string> values(const xml::Element& form, std::string_view var) {
  std::vector<std::string> out;
  for (const auto& f : form.children())
    if (f.name() == "field" && f.attr_or("var") == var)
      for (const auto& v : f.children())
        if (v.name() == "value") out.push_back(v.text());
  return out;
}

// A stanza error with XEP-0050 §4.6's specific condition (bad-action, bad-sessionid,
// bad-payload, malformed-action) beside the general one, and an optional text.
xml::Element command_error(const stream::Stanza& iq, std::string_view general, std::string_view specific,
                           std::string_view text = {}) {
  xml::Element reply = stream::error_reply(iq, "modify", general, text);
  for (auto& child : reply.children())
    if (child.name() == "error") child.add(xml::Element(std::string(specific), std::string(kCommands)));
  return reply;
}

xml::Element command_reply(const stream::Stanza& iq, std::string_view node, std::string_view sessionid,
                           std::string_view status) {
  xml::Element reply = stream::iq_result(iq);
  xml::Element& c = reply.add(xml::Element("command", std::string(kCommands)));
  c.set_attr("node", node);
  if (!sessionid.empty()) c.set_attr("sessionid", sessionid);
  c.set_attr("status", status);
  return reply;
}
}  // namespace

Adhoc::Adhoc(module::Context& context)
    : Adhoc(context, context.has_settings() ? context.settings().administrators() : std::vector<std::string>{},
            [&last = context.require<last::LastActivity>()](const Jid& bare) { return last.last_login(bare); }) {}

Adhoc::Adhoc(module::Context& context, std::vector<std::string> admins, LastLogin last_login)
    : Module("adhoc"), router_(context.router()), admins_(std::move(admins)), last_login_(std::move(last_login)) {
  using router::IqTarget;
  registrations_.push_back(context.handle_iq(IqTarget::Server, std::string(kCommands),
                                             [this](router::Router& r, const stream::Stanza& iq) { command(r, iq); }));
  registrations_.push_back(context.disco_items_node(IqTarget::Server, std::string(kCommands),
                                                    [this](const xml::Element& iq) { return items(iq); }));
}

bool Adhoc::is_admin(const Jid& from) const {
  if (from.local.empty() || !router_.serves(from.domain)) return false;
  return std::find(admins_.begin(), admins_.end(), from.bare()) != admins_.end();
}

std::vector<xml::Element> Adhoc::items(const xml::Element& iq) const {
  std::vector<xml::Element> out;
  // The router has stamped 'from' on a client's IQ; re-read it (it is its own value).
  const auto from = stream::address(iq, "from").jid;
  const auto to = stream::address(iq, "to").jid;
  if (!from || !is_admin(*from)) return out;  // to others: an empty list (XEP-0050 §2.2)
  for (const auto& c : kCommandList) {
    if (!find_command(node_of(c), static_cast<bool>(last_login_))) continue;
    xml::Element item("item", std::string(ns::kDiscoItems));
    item.set_attr("jid", to ? to->full() : from->domain);
    item.set_attr("node", node_of(c));
    item.set_attr("name", c.name);
    out.push_back(std::move(item));
  }
  return out;
}

void Adhoc::command(router::Router& r, const stream::Stanza& iq) {
  if (iq.type() != "set") return r.bounce(iq, "cancel", "bad-request");
  if (!is_admin(iq.from())) return r.bounce(iq, "auth", "forbidden");
  const xml::Element& c = *iq.payload();
  if (c.name() != "command") return r.bounce(iq, "modify", "bad-request");
  const std::string node(c.attr_or("node"));
  const Command* known = find_command(node, static_cast<bool>(last_login_));
  if (!known) return r.bounce(iq, "cancel", "item-not-found");
  const std::string action(c.attr_or("action", "execute"));
  const std::string sessionid(c.attr_or("sessionid"));
  const std::string owner = iq.from().full();
  const std::string host = iq.from().domain;

  if (!sessionid.empty()) {
    // The next stage (or cancel) of an open command: only its starter, only its node.
    const auto it = open_.find(sessionid);
    if (it == open_.end() || it->second.owner != owner || it->second.node != node)
      return r.reply(iq, command_error(iq, "bad-request", "bad-sessionid", "No such command session of yours"));
    open_.erase(it);
    if (action == "cancel") return r.reply(iq, command_reply(iq, node, sessionid, "canceled"));
    if (action != "execute" && action != "complete")
      return r.reply(iq, command_error(iq, "bad-request", "bad-action", "Only execute, complete or cancel"));
    const xml::Element* form = c.child("x", kData);
    if (!form || form->attr_or("type") != "submit")
      return r.reply(iq, command_error(iq, "bad-request", "bad-payload", "No submitted form"));
    xml::Element reply = command_reply(iq, node, sessionid, "completed");
    if (known->fragment == "get-user-lastlogin") {
      auto result = last_login_form(host, *form);
      if (auto* problem = std::get_if<std::string>(&result))
        return r.reply(iq, command_error(iq, "bad-request", "bad-payload", *problem));
      reply.children().back().add(std::move(std::get<xml::Element>(result)));
      return r.reply(iq, reply);
    }
    const std::string problem = known->fragment == "announce" ? announce(host, *form) : end_sessions(host, *form);
    if (!problem.empty()) return r.reply(iq, command_error(iq, "bad-request", "bad-payload", problem));
    xml::Element note("note", std::string(kCommands));
    note.set_attr("type", "info");
    note.add_text("Done");
    reply.children().back().add(std::move(note));
    return r.reply(iq, reply);
  }

  if (action == "cancel") return r.reply(iq, command_reply(iq, node, {}, "canceled"));
  if (action != "execute")
    return r.reply(iq, command_error(iq, "bad-request", "malformed-action", "A new command starts with execute"));
  if (!known->multi_stage) {
    xml::Element reply = command_reply(iq, node, {}, "completed");
    reply.children().back().add(users_form(node, host));
    return r.reply(iq, reply);
  }
  // The first stage: the form to fill in, under a new sessionid.
  if (open_.size() >= kMaxOpenSessions) open_.erase(open_.begin());  // the oldest id (ids grow)
  char id[32];
  std::snprintf(id, sizeof id, "adhoc-%012llu", static_cast<unsigned long long>(next_session_++));
  open_[id] = Open{node, owner};
  xml::Element reply = command_reply(iq, node, id, "executing");
  xml::Element& cmd = reply.children().back();
  xml::Element& actions = cmd.add(xml::Element("actions", std::string(kCommands)));
  actions.set_attr("execute", "complete");
  actions.add(xml::Element("complete", std::string(kCommands)));
  xml::Element form = data_form("form", known->name);
  if (known->fragment == "announce") {
    form.add(field("subject", "text-single", "Subject"));
    xml::Element body = field("body", "text-multi", "Announcement");
    body.add(xml::Element("required", std::string(kData)));
    form.add(std::move(body));
  } else if (known->fragment == "get-user-lastlogin") {
    xml::Element jid = field("accountjid", "jid-single", "The Jabber ID for which to get the last login");
    jid.add(xml::Element("required", std::string(kData)));
    form.add(std::move(jid));
  } else {
    xml::Element jids = field("accountjids", "jid-multi", "The Jabber ID(s) for which to end sessions");
    jids.add(xml::Element("required", std::string(kData)));
    form.add(std::move(jids));
  }
  cmd.add(std::move(form));
  r.reply(iq, reply);
}

xml::Element Adhoc::users_form(const std::string& node, const std::string& host) const {
  const bool active_only = node.find("active") != std::string::npos;
  const bool count_only = node.ends_with("-num");
  std::set<std::string> users;
  for (stream::Session* s : router_.sessions()) {
    const Jid& jid = s->jid();
    if (jid.domain != host) continue;
    if (active_only) {
      const router::Resource* resource = router_.find(jid);
      if (!resource || !resource->available) continue;
    }
    users.insert(jid.bare());
  }
  xml::Element form = data_form("result", {});
  if (count_only) {
    xml::Element f = field(active_only ? "activeusersnum" : "onlineusersnum", "text-single");
    add_value(f, std::to_string(users.size()));
    form.add(std::move(f));
  } else {
    xml::Element f = field(active_only ? "activeuserjids" : "onlineuserjids", "jid-multi");
    std::size_t n = 0;
    for (const auto& u : users)
      if (n++ < kMaxListed) add_value(f, u);
    form.add(std::move(f));
  }
  return form;
}

std::string Adhoc::announce(const std::string& host, const xml::Element& form) {
  const auto bodies = values(form, "body");
  std::string body;
  for (const auto& line : bodies) body += (body.empty() ? "" : "\n") + line;
  if (body.empty()) return "the announcement has no body";
  const auto subjects = values(form, "subject");
  for (stream::Session* s : router_.sessions()) {
    if (s->jid().domain != host) continue;
    xml::Element message("message", std::string(ns::kClient));
    message.set_attr("from", host).set_attr("to", s->jid().full()).set_attr("type", "normal");
    if (!subjects.empty() && !subjects.front().empty())
      message.add(xml::Element("subject", std::string(ns::kClient))).add_text(subjects.front());
    message.add(xml::Element("body", std::string(ns::kClient))).add_text(body);
    router_.deliver(message);
  }
  return {};
}

std::variant<std::vector<Jid>, std::string> Adhoc::accounts_of(const std::string& host, const xml::Element& form,
                                                                std::string_view var) {
  const auto jids = values(form, var);
  if (jids.empty()) return "no " + std::string(var) + " given";
  if (jids.size() > kMaxAccountJids)
    return "more than " + std::to_string(kMaxAccountJids) + " " + std::string(var);
  std::vector<Jid> accounts;
  for (const auto& text : jids) {
    std::optional<Jid> jid;
    try {
      jid = Jid::parse(text);
    } catch (const Error&) {
    }
    if (!jid || jid->local.empty()) return "not a user's JID: " + text;
    // Only the admin's own host: an admin of one host reaches no user of another.
    if (jid->domain != host) return "not a user of " + host + ": " + text;
    accounts.push_back(*jid);
  }
  return accounts;
}

std::variant<xml::Element, std::string> Adhoc::last_login_form(const std::string& host, const xml::Element& form) {
  auto accounts = accounts_of(host, form, "accountjid");
  if (auto* problem = std::get_if<std::string>(&accounts)) return std::move(*problem);
  const auto& jids = std::get<std::vector<Jid>>(accounts);
  if (jids.size() != 1) return "one accountjid, not " + std::to_string(jids.size());
  const Jid account = jids.front().to_bare();
  std::optional<std::chrono::system_clock::time_point> when;
  try {
    when = last_login_(account);
  } catch (const std::exception& e) {
    log::error("adhoc: cannot read the last login of " + account.bare() + ": " + e.what());
    return "the last login cannot be read now";
  }
  xml::Element result = data_form("result", {});
  xml::Element jid = field("accountjid", "jid-single", "The Jabber ID of the user");
  add_value(jid, account.bare());
  result.add(std::move(jid));
  // No value: no login of this account is recorded (never, or before logins were kept).
  xml::Element last = field("lastlogin", "text-single", "Last login");
  if (when) add_value(last, util::xmpp_datetime(*when));
  result.add(std::move(last));
  return result;
}

std::string Adhoc::end_sessions(const std::string& host, const xml::Element& form) {
  auto parsed = accounts_of(host, form, "accountjids");
  if (auto* problem = std::get_if<std::string>(&parsed)) return std::move(*problem);
  const auto& accounts = std::get<std::vector<Jid>>(parsed);
  // Collected first: ending a session unbinds it from the router.
  std::vector<stream::Session*> ended;
  for (const auto& a : accounts)
    for (stream::Session* s : router_.sessions_of(a))
      if (std::find(ended.begin(), ended.end(), s) == ended.end()) ended.push_back(s);
  for (stream::Session* s : ended) {
    log::info("adhoc: ending the session of " + s->jid().full() + " for an administrator");
    s->terminate("policy-violation", "Disconnected by the administrator");
  }
  return {};
}

}  // namespace jabberadmin::adhoc
