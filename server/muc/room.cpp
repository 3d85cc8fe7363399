#include "muc/room.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"

namespace jabberadmin::muc {
namespace {

constexpr std::array<std::string_view, 5> kAffiliations{"outcast", "none", "member", "admin", "owner"};
constexpr std::array<std::string_view, 4> kRoles{"none", "visitor", "participant", "moderator"};

xml::Element muc_user() { return xml::Element("x", std::string(ns::kMucUser)); }

void add_codes(xml::Element& x, const std::vector<int>& codes) {
  for (int code : codes) x.add(xml::Element("status", std::string(ns::kMucUser))).set_attr("code", std::to_string(code));
}

// The client's presence as the room keeps it: its children (show, status, priority, caps,
// avatar hash) without the join's <x/>, and any muc#user <x/> or occupant id it made up.
xml::Element kept_presence(const xml::Element& presence) {
  xml::Element kept("presence", std::string(ns::kClient));
  for (const xml::Element& child : presence.children())
    if (child.is_element() && child.xmlns() != ns::kMuc && child.xmlns() != ns::kMucUser &&
        child.xmlns() != ns::kOccupantId)
      kept.add(child);
  return kept;
}

xml::Element item_child(std::string name, std::string_view text) {
  xml::Element e(std::move(name), std::string(ns::kMucUser));
  if (!text.empty()) e.add_text(text);
  return e;
}

// What an <item/> of a kick or a ban carries besides its attributes (§8.2, §9.1).
std::vector<xml::Element> actor_and_reason(std::string_view actor_nick, std::string_view reason) {
  std::vector<xml::Element> children;
  if (!actor_nick.empty()) {
    xml::Element actor = item_child("actor", {});
    actor.set_attr("nick", actor_nick);
    children.push_back(std::move(actor));
  }
  if (!reason.empty()) children.push_back(item_child("reason", reason));
  return children;
}

}  // namespace

xml::Element room_error(const stream::Stanza& stanza, std::string_view type, std::string_view condition,
                        std::string_view text) {
  xml::Element reply = stream::error_reply(stanza.element(), type, condition, text);
  if (stanza.is_presence()) reply.children().insert(reply.children().begin(), xml::Element("x", std::string(ns::kMuc)));
  return reply;
}

std::string_view to_string(Affiliation a) { return kAffiliations[static_cast<std::size_t>(a)]; }
std::string_view to_string(Role r) { return kRoles[static_cast<std::size_t>(r)]; }

std::optional<Affiliation> parse_affiliation(std::string_view text) {
  for (std::size_t i = 0; i < kAffiliations.size(); ++i)
    if (kAffiliations[i] == text) return static_cast<Affiliation>(i);
  return std::nullopt;
}

std::optional<Role> parse_role(std::string_view text) {
  for (std::size_t i = 0; i < kRoles.size(); ++i)
    if (kRoles[i] == text) return static_cast<Role>(i);
  return std::nullopt;
}

Room::Room(Jid jid, RoomConfig config, const RoomLimits& limits, RoomServices services, bool locked)
    : jid_(std::move(jid)),
      config_(std::move(config)),
      limits_(limits),
      services_(std::move(services)),
      locked_(locked),
      history_(limits.history_size) {}

Affiliation Room::affiliation(const Jid& bare) const {
  const auto it = affiliations_.find(bare.bare());
  return it == affiliations_.end() ? Affiliation::None : it->second;
}

Role Room::default_role(Affiliation a) const {
  if (a >= Affiliation::Admin) return Role::Moderator;
  if (a == Affiliation::Member || !config_.moderated) return Role::Participant;
  return Role::Visitor;
}

Room::Occupant* Room::find_real(const Jid& real) {
  const auto it = by_real_.find(real.full());
  if (it == by_real_.end()) return nullptr;
  const auto o = occupants_.find(it->second);
  return o == occupants_.end() ? nullptr : &o->second;
}

void Room::restore(std::map<std::string, Affiliation> affiliations, std::string subject, std::string subject_by) {
  affiliations_ = std::move(affiliations);
  subject_ = std::move(subject);
  subject_by_ = std::move(subject_by);
}

void Room::restore_history(std::vector<HistoryEntry> history) {
  for (HistoryEntry& e : history) history_.add(std::move(e.message), e.when);
}

void Room::send_to(const Occupant& to, xml::Element stanza) const {
  stanza.set_attr("to", to.real.full());
  services_.send(stanza);
}

void Room::stamp_occupant_id(xml::Element& stanza, const Occupant& of) const {
  // XEP-0421 §4: the room's id only; one a client sent could impersonate another.
  std::erase_if(stanza.children(), [](const xml::Element& c) { return c.is("occupant-id", ns::kOccupantId); });
  if (!of.id.empty()) stanza.add(xml::Element("occupant-id", std::string(ns::kOccupantId))).set_attr("id", of.id);
}

void Room::bounce(const stream::Stanza& stanza, std::string_view type, std::string_view condition,
                  std::string_view text) const {
  if (stanza.type() == "error" || (stanza.is_iq() && stanza.type() == "result")) return;
  services_.send(room_error(stanza, type, condition, text));
}

bool Room::shows_jid_to(const Occupant& recipient) const {
  return config_.whois_anyone || recipient.role == Role::Moderator;
}

xml::Element Room::presence_of(const Occupant& of, const Occupant& to, std::vector<int> codes) const {
  xml::Element p = of.presence;
  p.set_attr("from", occupant_jid(of.nick).full());
  stamp_occupant_id(p, of);
  xml::Element& x = p.add(muc_user());
  xml::Element& item = x.add(xml::Element("item", std::string(ns::kMucUser)));
  item.set_attr("affiliation", to_string(affiliation(of.real))).set_attr("role", to_string(of.role));
  if (&of == &to || shows_jid_to(to)) item.set_attr("jid", of.real.full());
  if (&of == &to) {
    codes.insert(codes.begin(), 110);
    if (config_.whois_anyone) codes.push_back(100);
  }
  add_codes(x, codes);
  return p;
}

void Room::broadcast_presence(const Occupant& of, std::vector<int> codes) {
  for (const auto& [nick, to] : occupants_) send_to(to, presence_of(of, to, codes));
}

void Room::status_message(std::vector<int> codes) const {
  xml::Element m("message", std::string(ns::kClient));
  m.set_attr("from", jid_.bare()).set_attr("type", "groupchat");
  add_codes(m.add(muc_user()), codes);
  for (const auto& [nick, to] : occupants_) send_to(to, m);
}

// ---- presence: join, update, nickname change, leave (§7.2, §7.6, §7.14) ----

void Room::presence(const stream::Stanza& presence, bool just_created) {
  const std::string_view type = presence.type();
  const std::string& nick = presence.to().resource;
  Occupant* me = find_real(presence.from());
  if (type == "unavailable" || type == "error") {
    // An error from an occupant's client means it is gone (§7.2.x: the room removes it).
    if (me != nullptr && (type == "error" || me->nick == nick)) remove(occupants_.find(me->nick), {});
    return;
  }
  if (type != "available") return;  // subscriptions and probes mean nothing to a room
  if (nick.empty()) return bounce(presence, "modify", "jid-malformed", "Join a room as room@service/nickname");
  if (me == nullptr) return join(presence, just_created);
  if (me->nick == nick) return update_presence(*me, presence.element());
  change_nick(*me, presence);
}

void Room::join(const stream::Stanza& presence, bool just_created) {
  const Jid& real = presence.from();
  const std::string& nick = presence.to().resource;
  const Affiliation a = affiliation(real);
  if (nick.size() > limits_.max_nick_bytes)
    return bounce(presence, "modify", "not-acceptable", "The nickname is longer than " + std::to_string(limits_.max_nick_bytes) + " bytes");
  if (locked_ && a != Affiliation::Owner)
    return bounce(presence, "cancel", "item-not-found", "The room is locked until its owner configures it");
  if (a == Affiliation::Outcast) return bounce(presence, "auth", "forbidden", "You are banned from this room");
  if (config_.members_only && a < Affiliation::Member)
    return bounce(presence, "auth", "registration-required", "The room is for its members only");
  const xml::Element* x = presence.element().child("x", ns::kMuc);
  if (config_.password_protected() && a < Affiliation::Owner) {
    const xml::Element* password = x ? x->child("password", ns::kMuc) : nullptr;
    if (password == nullptr || !config_.secret_matches(password->text()))
      return bounce(presence, "auth", "not-authorized", "The room needs a password");
  }
  if (occupants_.contains(nick)) return bounce(presence, "cancel", "conflict", "That nickname is taken in this room");
  if (occupants_.size() >= limits_.max_occupants && a < Affiliation::Admin)
    return bounce(presence, "wait", "service-unavailable", "The room is full");
  const auto request = parse_history_request(x ? x->child("history", ns::kMuc) : nullptr, services_.now());
  if (!request) return bounce(presence, "modify", "bad-request", "A <history/> attribute is malformed");

  const auto now = std::chrono::steady_clock::now();
  auto [it, inserted] = occupants_.try_emplace(
      nick, Occupant{nick, real, default_role(a), kept_presence(presence.element()),
                     stream::TokenBucket(limits_.message_rate, limits_.message_burst, now),
                     services_.occupant_id ? services_.occupant_id(*this, real) : std::string()});
  by_real_[real.full()] = nick;
  Occupant& me = it->second;
  // §7.2.3: first the others' presence to the newcomer, then the newcomer's to them, and
  // its own presence last (110, with 201 for a room it has just created).
  for (const auto& [other_nick, other] : occupants_)
    if (&other != &me) send_to(me, presence_of(other, me));
  for (const auto& [other_nick, other] : occupants_)
    if (&other != &me) send_to(other, presence_of(me, other));
  send_to(me, presence_of(me, me, just_created ? std::vector<int>{201} : std::vector<int>{}));
  // Then the history (§7.2.15) and the subject, which tells a client the join is complete.
  for (xml::Element& m : history_.replay(*request, jid_.bare())) send_to(me, std::move(m));
  xml::Element subject("message", std::string(ns::kClient));
  subject.set_attr("from", subject_by_.empty() ? jid_.bare() : occupant_jid(subject_by_).full());
  subject.set_attr("type", "groupchat");
  subject.add(xml::Element("subject", std::string(ns::kClient))).add_text(subject_);
  send_to(me, std::move(subject));
}

void Room::update_presence(Occupant& occupant, const xml::Element& presence) {
  occupant.presence = kept_presence(presence);
  broadcast_presence(occupant);
}

void Room::change_nick(Occupant& occupant, const stream::Stanza& presence) {
  const std::string& nick = presence.to().resource;
  if (nick.size() > limits_.max_nick_bytes)
    return bounce(presence, "modify", "not-acceptable", "The nickname is longer than " + std::to_string(limits_.max_nick_bytes) + " bytes");
  if (occupants_.contains(nick)) return bounce(presence, "cancel", "conflict", "That nickname is taken in this room");
  // §7.6: unavailable from the old nickname with 303 and the new one, then the new presence.
  for (const auto& [other_nick, to] : occupants_) {
    xml::Element p = presence_of(occupant, to, {303});
    p.set_attr("type", "unavailable");
    for (xml::Element& child : p.children())
      if (child.is("x", ns::kMucUser))
        for (xml::Element& item : child.children())
          if (item.is("item", ns::kMucUser)) item.set_attr("nick", nick);
    send_to(to, std::move(p));
  }
  Occupant moved = std::move(occupant);
  occupants_.erase(moved.nick);
  moved.nick = nick;
  moved.presence = kept_presence(presence.element());
  by_real_[moved.real.full()] = nick;
  Occupant& renamed = occupants_.emplace(nick, std::move(moved)).first->second;
  broadcast_presence(renamed);
}

void Room::remove(Occupants::iterator of, std::vector<int> codes, std::vector<xml::Element> item_children) {
  Occupant leaving = std::move(of->second);
  occupants_.erase(of);
  by_real_.erase(leaving.real.full());
  leaving.role = Role::None;
  xml::Element unavailable("presence", std::string(ns::kClient));
  unavailable.set_attr("type", "unavailable");
  leaving.presence = unavailable;
  const auto with_children = [&](xml::Element p) {
    for (xml::Element& child : p.children())
      if (child.is("x", ns::kMucUser))
        for (xml::Element& item : child.children())
          if (item.is("item", ns::kMucUser))
            for (const xml::Element& c : item_children) item.add(c);
    return p;
  };
  for (const auto& [nick, to] : occupants_) send_to(to, with_children(presence_of(leaving, to, codes)));
  send_to(leaving, with_children(presence_of(leaving, leaving, codes)));
}

void Room::session_ended(const Jid& real) {
  if (Occupant* me = find_real(real)) remove(occupants_.find(me->nick), {});
}

// ---- messages (§7.4, §7.5, §7.8, §8.1) ----

void Room::message(const stream::Stanza& message) {
  if (message.type() == "error") return;
  Occupant* me = find_real(message.from());
  if (message.to().is_bare() && message.type() != "groupchat") {
    const xml::Element* x = message.element().child("x", ns::kMucUser);
    const xml::Element* invitation = x ? x->child("invite", ns::kMucUser) : nullptr;
    if (invitation == nullptr) return bounce(message, "modify", "bad-request", "Send groupchat messages to the room");
    if (me == nullptr) return bounce(message, "modify", "not-acceptable", "Only occupants may invite");
    return invite(*me, message, *invitation);
  }
  if (me == nullptr) return bounce(message, "modify", "not-acceptable", "You are not in this room");
  if (message.to().is_bare()) return groupchat(*me, message);
  private_message(*me, message);
}

void Room::groupchat(Occupant& sender, const stream::Stanza& message) {
  if (sender.role < Role::Participant) return bounce(message, "auth", "forbidden", "Visitors have no voice in this room");
  if (limits_.message_rate > 0 && sender.messages.take(1) > std::chrono::milliseconds::zero())
    return bounce(message, "wait", "resource-constraint", "Too many messages: wait a moment");
  const xml::Element* subject = message.element().child("subject", ns::kClient);
  const bool has_body = message.element().child("body", ns::kClient) != nullptr;
  if (subject != nullptr && !has_body) {
    // §8.1: moderators may change it, and participants where the room allows them to.
    if (sender.role != Role::Moderator && !config_.change_subject)
      return bounce(message, "auth", "forbidden", "Only moderators may change the subject here");
    subject_ = subject->text();
    subject_by_ = sender.nick;
    changed();
  }
  xml::Element reflected = message.element();
  reflected.set_attr("from", occupant_jid(sender.nick).full());
  reflected.remove_attr("to");
  stamp_occupant_id(reflected, sender);
  // XEP-0359 §5: ids 'by' the room are the room's alone; one a client wrote is dropped.
  std::erase_if(reflected.children(), [this](const xml::Element& c) {
    if (!c.is("stanza-id", ns::kStanzaId)) return false;
    const auto by = Jid::parse(c.attr_or("by"));
    return !by || by->bare() == jid_.bare();
  });
  // XEP-0313 §5.1.2 (MUC archives): messages with a body, not subject changes; every
  // occupant's copy carries the archive's id.
  if (has_body && archiving()) {
    const std::string id = services_.archive(*this, reflected);
    if (!id.empty()) reflected.add(xml::Element("stanza-id", std::string(ns::kStanzaId))).set_attr("id", id).set_attr("by", jid_.bare());
  }
  if (has_body) {
    HistoryEntry entry{reflected, services_.now()};
    if (services_.history_added) services_.history_added(*this, entry);
    history_.add(std::move(entry.message), entry.when);
  }
  for (const auto& [nick, to] : occupants_) send_to(to, reflected);
}

void Room::private_message(Occupant& sender, const stream::Stanza& message) {
  if (message.type() == "groupchat") return bounce(message, "modify", "bad-request", "Groupchat messages go to the room");
  const auto target = occupants_.find(message.to().resource);
  if (target == occupants_.end()) return bounce(message, "cancel", "item-not-found", "Nobody of that nickname is here");
  xml::Element forwarded = message.element();
  forwarded.set_attr("from", occupant_jid(sender.nick).full());
  stamp_occupant_id(forwarded, sender);
  if (forwarded.child("x", ns::kMucUser) == nullptr) forwarded.add(muc_user());  // §7.5: marks it a room PM
  send_to(target->second, std::move(forwarded));
}

void Room::invite(Occupant& sender, const stream::Stanza& message, const xml::Element& invitation) {
  const Affiliation a = affiliation(sender.real);
  if (config_.members_only && a < Affiliation::Admin)
    return bounce(message, "auth", "forbidden", "Only admins and owners invite to a members-only room");
  const auto to = Jid::parse(invitation.attr_or("to"));
  if (!to) return bounce(message, "modify", "jid-malformed", "The invitee's address is malformed");
  // §7.8.2: a members-only room makes the invitee a member.
  if (config_.members_only && affiliation(*to) < Affiliation::Member) apply_affiliation(to->bare(), Affiliation::Member, sender.nick, {});
  xml::Element m("message", std::string(ns::kClient));
  m.set_attr("from", jid_.bare()).set_attr("to", to->bare());
  xml::Element& x = m.add(muc_user());
  xml::Element& inv = x.add(xml::Element("invite", std::string(ns::kMucUser)));
  inv.set_attr("from", sender.real.bare());
  if (const xml::Element* reason = invitation.child("reason", ns::kMucUser)) inv.add(*reason);
  services_.send(m);
}

// ---- IQs (§10 owner, §9 admin, disco, XEP-0410 self-ping) ----

void Room::iq(const stream::Stanza& iq) {
  if (iq.type() != "get" && iq.type() != "set") return;
  const xml::Element* payload = iq.payload();
  if (payload == nullptr) return bounce(iq, "modify", "bad-request");
  const Occupant* me = find_real(iq.from());
  if (!iq.to().is_bare()) {
    // XEP-0410: an occupant pings itself to learn whether it is still in the room.
    if (me == nullptr) return bounce(iq, "modify", "not-acceptable", "You are not in this room");
    if (payload->is("ping", ns::kPing) && me->nick == iq.to().resource)
      return services_.send(stream::iq_result(iq.element()));
    return bounce(iq, "cancel", "service-unavailable", "The room does not relay IQs to occupants");
  }
  if (locked_ && affiliation(iq.from()) != Affiliation::Owner)
    return bounce(iq, "cancel", "item-not-found", "The room is locked until its owner configures it");
  const std::string& xmlns = payload->xmlns();
  if (xmlns == ns::kMucOwner) return owner_iq(iq);
  if (xmlns == ns::kMucAdmin) return admin_iq(iq);
  if (xmlns == ns::kDiscoInfo && iq.type() == "get") return disco_info(iq);
  if (xmlns == ns::kMam) return archive_iq(iq, me);
  if (xmlns == ns::kDiscoItems && iq.type() == "get") {
    xml::Element reply = stream::iq_result(iq.element());
    reply.add(xml::Element("query", std::string(ns::kDiscoItems)));  // occupants are not listed
    return services_.send(reply);
  }
  if (xmlns == ns::kPing && iq.type() == "get") return services_.send(stream::iq_result(iq.element()));
  bounce(iq, "cancel", "service-unavailable");
}

void Room::archive_iq(const stream::Stanza& iq, const Occupant* asker) {
  if (!archiving()) return bounce(iq, "cancel", "service-unavailable", "This room keeps no archive");
  // XEP-0313 §8: what was said in the room is for those who may be in it: its occupants,
  // and its members (those of a members-only room included) while away. Others: forbidden.
  if (asker == nullptr && affiliation(iq.from()) < Affiliation::Member)
    return bounce(iq, "auth", "forbidden", "Only occupants and members read the room's archive");
  services_.archive_query(iq);
}

void Room::disco_info(const stream::Stanza& iq) {
  if (iq.payload()->attr("node")) return bounce(iq, "cancel", "item-not-found");
  xml::Element reply = stream::iq_result(iq.element());
  xml::Element& q = reply.add(xml::Element("query", std::string(ns::kDiscoInfo)));
  q.add(xml::Element("identity", std::string(ns::kDiscoInfo)))
      .set_attr("category", "conference")
      .set_attr("type", "text")
      .set_attr("name", display_name());
  std::vector<std::string_view> features{ns::kMuc,
                                         ns::kDiscoInfo,
                                         ns::kPing,
                                         config_.persistent ? "muc_persistent" : "muc_temporary",
                                         config_.is_public ? "muc_public" : "muc_hidden",
                                         config_.members_only ? "muc_membersonly" : "muc_open",
                                         config_.moderated ? "muc_moderated" : "muc_unmoderated",
                                         config_.password_protected() ? "muc_passwordprotected" : "muc_unsecured",
                                         config_.whois_anyone ? "muc_nonanonymous" : "muc_semianonymous"};
  if (archiving()) features.push_back(ns::kMam);
  if (services_.occupant_id) features.push_back(ns::kOccupantId);
  std::sort(features.begin(), features.end());
  for (std::string_view var : features) q.add(xml::Element("feature", std::string(ns::kDiscoInfo))).set_attr("var", var);
  // XEP-0045 §6.4: the muc#roominfo form, which clients show as the room's details.
  xml::Element& form = q.add(xml::Element("x", std::string(ns::kDataForms)));
  form.set_attr("type", "result");
  const auto field = [&form](std::string_view var, std::string_view value) {
    xml::Element& f = form.add(xml::Element("field", std::string(ns::kDataForms)));
    f.set_attr("var", var);
    f.add(xml::Element("value", std::string(ns::kDataForms))).add_text(value);
    return &f;
  };
  field("FORM_TYPE", ns::kMucRoomInfo)->set_attr("type", "hidden");
  field("muc#roominfo_description", config_.description);
  field("muc#roominfo_subject", subject_);
  field("muc#roominfo_occupants", std::to_string(occupants_.size()));
  services_.send(reply);
}

void Room::owner_iq(const stream::Stanza& iq) {
  if (affiliation(iq.from()) != Affiliation::Owner) return bounce(iq, "auth", "forbidden", "Only owners configure the room");
  const xml::Element& query = *iq.payload();
  if (iq.type() == "get") {
    xml::Element reply = stream::iq_result(iq.element());
    reply.add(xml::Element("query", std::string(ns::kMucOwner))).add(config_form(config_));
    return services_.send(reply);
  }
  if (const xml::Element* destroy_request = query.child("destroy", ns::kMucOwner)) {
    const xml::Element* reason = destroy_request->child("reason", ns::kMucOwner);
    services_.send(stream::iq_result(iq.element()));
    return destroy(reason ? reason->text() : std::string(), destroy_request->attr_or("jid"));
  }
  const xml::Element* form = query.child("x", ns::kDataForms);
  if (form == nullptr) return bounce(iq, "modify", "bad-request", "Send a form or a <destroy/>");
  const std::string form_type = form->attr_or("type");
  if (form_type == "cancel") {
    services_.send(stream::iq_result(iq.element()));
    // §10.1.3: cancelling the first configuration of a new room destroys it.
    if (locked_) destroy();
    return;
  }
  if (form_type != "submit") return bounce(iq, "modify", "bad-request", "The form's type is neither submit nor cancel");
  const bool was_locked = std::exchange(locked_, false);
  const bool was_anonymous = !config_.whois_anyone;
  if (const auto error = apply_config_form(*form, config_)) {
    locked_ = was_locked;
    return bounce(iq, "modify", "not-acceptable", *error);
  }
  changed();
  services_.send(stream::iq_result(iq.element()));
  if (was_locked) return;
  // §10.2.1: occupants hear of the change (172/173 when the anonymity changed).
  std::vector<int> codes{104};
  if (was_anonymous != !config_.whois_anyone) codes.push_back(config_.whois_anyone ? 172 : 173);
  status_message(codes);
  // Members-only now: those without membership leave (321).
  if (config_.members_only)
    for (auto it = occupants_.begin(); it != occupants_.end();) {
      auto next = std::next(it);
      if (affiliation(it->second.real) < Affiliation::Member) remove(it, {321});
      it = next;
    }
}

void Room::destroy(std::string_view reason, std::string_view alternate) {
  xml::Element destroyed("destroy", std::string(ns::kMucUser));
  if (!alternate.empty()) destroyed.set_attr("jid", alternate);
  if (!reason.empty()) destroyed.add(item_child("reason", reason));
  for (const auto& [nick, to] : occupants_) {
    xml::Element p("presence", std::string(ns::kClient));
    p.set_attr("from", occupant_jid(nick).full()).set_attr("type", "unavailable");
    xml::Element& x = p.add(muc_user());
    x.add(xml::Element("item", std::string(ns::kMucUser))).set_attr("affiliation", "none").set_attr("role", "none");
    x.add(destroyed);
    send_to(to, std::move(p));
  }
  occupants_.clear();
  by_real_.clear();
  destroyed_ = true;
}

void Room::admin_iq(const stream::Stanza& iq) {
  const xml::Element& query = *iq.payload();
  const Affiliation mine = affiliation(iq.from());
  const Occupant* me = find_real(iq.from());
  if (iq.type() == "get") {
    const xml::Element* asked = query.child("item", ns::kMucAdmin);
    if (asked == nullptr) return bounce(iq, "modify", "bad-request", "Ask for an affiliation or a role");
    xml::Element reply = stream::iq_result(iq.element());
    xml::Element& q = reply.add(xml::Element("query", std::string(ns::kMucAdmin)));
    if (const auto a = parse_affiliation(asked->attr_or("affiliation")); a && asked->attr("affiliation")) {
      if (mine < Affiliation::Admin) return bounce(iq, "auth", "forbidden", "Only admins and owners see the lists");
      for (const auto& [bare, held] : affiliations_)
        if (held == *a)
          q.add(xml::Element("item", std::string(ns::kMucAdmin))).set_attr("affiliation", to_string(held)).set_attr("jid", bare);
    } else if (const auto r = parse_role(asked->attr_or("role")); r && asked->attr("role")) {
      if (me == nullptr || me->role != Role::Moderator) return bounce(iq, "auth", "forbidden", "Only moderators see the roles");
      for (const auto& [nick, o] : occupants_)
        if (o.role == *r)
          q.add(xml::Element("item", std::string(ns::kMucAdmin)))
              .set_attr("nick", nick)
              .set_attr("role", to_string(o.role))
              .set_attr("affiliation", to_string(affiliation(o.real)))
              .set_attr("jid", o.real.full());
    } else {
      return bounce(iq, "modify", "bad-request", "Unknown affiliation or role");
    }
    return services_.send(reply);
  }
  std::string condition;
  if (const auto error = apply_admin_items(iq, condition)) {
    const std::string_view type = condition == "forbidden" ? "auth" : condition == "bad-request" || condition == "jid-malformed" ? "modify" : "cancel";
    return bounce(iq, type, condition, *error);
  }
  services_.send(stream::iq_result(iq.element()));
}

std::optional<std::string> Room::apply_admin_items(const stream::Stanza& iq, std::string& condition) {
  const Affiliation mine = affiliation(iq.from());
  const Occupant* me = find_real(iq.from());
  struct RoleChange {
    std::string nick;
    Role role;
    std::string reason;
  };
  struct AffiliationChange {
    std::string bare;
    Affiliation affiliation;
    std::string reason;
  };
  std::vector<RoleChange> roles;
  std::vector<AffiliationChange> affiliations;
  const auto refuse = [&condition](std::string c, std::string text) {
    condition = std::move(c);
    return std::optional<std::string>(std::move(text));
  };
  // Everything is checked before anything changes: a list is applied whole or not at all.
  std::map<std::string, Affiliation> after = affiliations_;
  for (const xml::Element& item : iq.payload()->children()) {
    if (!item.is("item", ns::kMucAdmin)) continue;
    const xml::Element* reason_element = item.child("reason", ns::kMucAdmin);
    const std::string reason = reason_element ? reason_element->text() : std::string();
    if (const auto role_text = item.attr("role"); role_text && !item.attr("affiliation")) {
      const auto role = parse_role(*role_text);
      if (!role) return refuse("bad-request", "Unknown role " + std::string(*role_text));
      if (me == nullptr || me->role != Role::Moderator) return refuse("forbidden", "Only moderators change roles");
      const auto target = occupants_.find(item.attr_or("nick"));
      if (target == occupants_.end()) return refuse("item-not-found", "Nobody of that nickname is here");
      const Affiliation theirs = affiliation(target->second.real);
      if (theirs >= Affiliation::Admin && *role != Role::Moderator)
        return refuse("not-allowed", "Admins and owners cannot be kicked or silenced");
      if ((*role == Role::Moderator || target->second.role == Role::Moderator) && mine < Affiliation::Admin)
        return refuse("not-allowed", "Only admins and owners grant or revoke moderation");
      roles.push_back({target->first, *role, reason});
      continue;
    }
    const auto a = parse_affiliation(item.attr_or("affiliation"));
    if (!a) return refuse("bad-request", "An item needs a known affiliation or role");
    const auto jid = Jid::parse(item.attr_or("jid"));
    if (!jid) return refuse("jid-malformed", "The item's jid is malformed");
    if (mine < Affiliation::Admin) return refuse("forbidden", "Only admins and owners change affiliations");
    const std::string bare = jid->bare();
    const auto held = after.find(bare);
    const Affiliation before = held == after.end() ? Affiliation::None : held->second;
    if ((before >= Affiliation::Admin || *a >= Affiliation::Admin) && mine != Affiliation::Owner)
      return refuse("not-allowed", "Only owners change who is an admin or an owner");
    if (*a == Affiliation::None) after.erase(bare);
    else after[bare] = *a;
    affiliations.push_back({bare, *a, reason});
  }
  if (!affiliations.empty() &&
      std::none_of(after.begin(), after.end(), [](const auto& e) { return e.second == Affiliation::Owner; }))
    return refuse("conflict", "A room keeps at least one owner");
  // Copied: an affiliation change below may remove the actor itself.
  const std::string actor_nick = me ? me->nick : std::string();
  for (const AffiliationChange& change : affiliations)
    apply_affiliation(change.bare, change.affiliation, actor_nick, change.reason);
  for (const RoleChange& change : roles) {
    const auto target = occupants_.find(change.nick);
    if (target == occupants_.end()) continue;  // an affiliation change above removed it
    if (change.role != Role::None) {
      set_role(target->second, change.role);
      continue;
    }
    // §8.2 kick: 307, with who did it and why.
    remove(target, {307}, actor_and_reason(actor_nick, change.reason));
  }
  return std::nullopt;
}

void Room::set_role(Occupant& occupant, Role role) {
  if (occupant.role == role) return;
  occupant.role = role;
  broadcast_presence(occupant);
}

void Room::set_affiliation(const Jid& bare, Affiliation affiliation, std::string_view reason) {
  apply_affiliation(bare.bare(), affiliation, {}, reason);
}

void Room::apply_affiliation(const std::string& bare, Affiliation a, std::string_view actor, std::string_view reason) {
  if (a == Affiliation::None) affiliations_.erase(bare);
  else affiliations_[bare] = a;
  if (services_.affiliation_changed) services_.affiliation_changed(*this, bare, a);
  const std::string actor_nick(actor);  // a view of a nickname that may be removed below
  std::vector<std::string> theirs;
  for (const auto& [nick, o] : occupants_)
    if (o.real.bare() == bare) theirs.push_back(nick);
  for (const std::string& nick : theirs) {
    const auto it = occupants_.find(nick);
    if (it == occupants_.end()) continue;
    const bool banned = a == Affiliation::Outcast;
    if (banned || (config_.members_only && a < Affiliation::Member)) {
      remove(it, {banned ? 301 : 321}, actor_and_reason(actor_nick, reason));
      continue;
    }
    it->second.role = default_role(a);
    broadcast_presence(it->second);
  }
}

}  // namespace jabberadmin::muc
