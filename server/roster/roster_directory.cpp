#include "roster/roster_directory.hpp"

#include <set>

#include "util/log.hpp"

namespace jabberadmin::roster {

RosterDirectory::RosterDirectory(boost::asio::any_io_executor executor, router::Router& router, Roster& roster,
                                 RosterPushes& pushes, presence::Presence& presence, const presence::Contacts& contacts,
                                 RosterDirectoryOptions options)
    : router_(router), roster_(roster), pushes_(pushes), presence_(presence), contacts_(contacts),
      options_(std::move(options)), timer_(executor) {}

void RosterDirectory::changed(const directory::UserChange& change) {
  const std::string& name = change.before ? change.before->name : change.after->name;
  roster_.shared().forget(name);
  if (batch_.empty()) first_ = std::chrono::steady_clock::now();
  batch_.try_emplace(name, change.before);  // the state before the batch is the first 'before'
  schedule();
}

void RosterDirectory::schedule() {
  const auto latest = first_ + options_.max_delay;
  const auto at = std::min(std::chrono::steady_clock::now() + options_.settle, latest);
  timer_.expires_at(at);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) flush();
  });
}

void RosterDirectory::flush() {
  if (batch_.empty()) return;
  const Before before = std::exchange(batch_, {});
  const SharedDelta delta = roster_.shared().diff(before);
  log::debug("roster: " + std::to_string(before.size()) + " directory changes, " +
             std::to_string(delta.pushes.size()) + " rosters changed");
  // Items first, so a contact is in the roster before its presence arrives.
  for (const auto& [viewer, items] : delta.pushes) {
    std::vector<std::string> contacts;
    for (const auto& [contact, item] : items) contacts.push_back(contact);
    pushes_.push(Jid::split_normalized(viewer), contacts);
  }
  for (const auto& [viewer, contact] : delta.gained)
    presence_.share(Jid::split_normalized(contact), Jid::split_normalized(viewer));
  for (const auto& [viewer, contact] : delta.lost) {
    const Jid from = Jid::split_normalized(contact);
    bool still = false;  // a personal subscription may go on carrying it
    for (const Jid& s : contacts_.subscribers(from)) still = still || s.bare() == viewer;
    if (!still) presence_.unshare(from, Jid::split_normalized(viewer));
  }
  for (const auto& name : delta.avatars)
    for (const auto& host : options_.hosts) presence_.rebroadcast(Jid{name, host, {}});
  for (const auto& name : delta.ended) {
    const User* now = roster_.directory().find(name);
    end_sessions(name, now ? "account locked" : "account deleted");
  }
}

void RosterDirectory::end_sessions(const std::string& name, std::string_view why) {
  for (const auto& host : options_.hosts) {
    std::vector<stream::Session*> sessions;
    for (auto& [jid, r] : router_.resources(Jid{name, host, {}})) sessions.push_back(r->session);
    for (auto* s : sessions) {
      log::info("router: " + s->jid().full() + ": " + std::string(why) + "; ending the stream");
      s->terminate("policy-violation", why);
    }
  }
}

void RosterDirectory::introduce_online_users() {
  std::set<std::string> done;
  for (auto* session : router_.sessions()) {
    const Jid user = session->jid().to_bare();
    if (!done.insert(user.bare()).second) continue;
    std::vector<std::string> contacts;
    for (const auto& item : roster_.shared().items(user)) contacts.push_back(item.jid);
    if (contacts.empty()) continue;
    pushes_.push(user, contacts);
    for (const auto& c : contacts) presence_.share(Jid::split_normalized(c), user);
  }
}

}  // namespace jabberadmin::roster
