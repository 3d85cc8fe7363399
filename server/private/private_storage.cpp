#include "private/private_storage.hpp"

#include <vector>

#include "stream/namespaces.hpp"
#include "stream/stanza.hpp"
#include "util/log.hpp"
#include "xml/stream_parser.hpp"

namespace jabberadmin::private_storage {

bool reserved_namespace(std::string_view xmlns) {
  return xmlns.empty() || xmlns == ns::kPrivate || xmlns == ns::kStreams || xmlns == ns::kVcard ||
         xmlns.starts_with("jabber:") || xmlns.starts_with("http://jabber.org/");
}

PrivateStorage::PrivateStorage(module::Context& context, std::size_t limit_per_account)
    : Module("private"),
      store_(context.database(), limit_per_account),
      handler_(context.handle_iq(router::IqTarget::Account, std::string(ns::kPrivate),
                                 [this](router::Router& r, const xml::Element& iq) { handle(r, iq); })),
      // A deleted account's elements go with it.
      kept_(context.account_data().keep(
          module::AccountData::rows_of("private storage", context.database(), "private_storage", "account"))) {}

util::Registration PrivateStorage::on_stored(std::string xmlns, StoredObserver observer) {
  return observers_[std::move(xmlns)].add(std::move(observer));
}

std::optional<xml::Element> PrivateStorage::stored(const Jid& account, std::string_view name, std::string_view xmlns) {
  const auto kept = store_.get(account.bare(), name, xmlns);
  if (!kept) return std::nullopt;
  return xml::parse_serialized(*kept, ns::kPrivate);
}

bool PrivateStorage::store(const Jid& account, const xml::Element& element) {
  return store_.set(account.bare(), {{element.name(), element.xmlns(), xml::serialize(element, ns::kPrivate)}});
}

std::vector<std::string> PrivateStorage::accounts_with(std::string_view name, std::string_view xmlns) {
  return store_.accounts(name, xmlns);
}

void PrivateStorage::get(router::Router& router, const xml::Element& iq, const std::string& bare,
                         const xml::Element& wanted) {
  std::optional<xml::Element> element;
  try {
    if (const auto kept = store_.get(bare, wanted.name(), wanted.xmlns()))
      element = xml::parse_serialized(*kept, ns::kPrivate);
  } catch (const std::exception& e) {
    log::error("private: cannot read for " + bare + ": " + e.what());
    return router.bounce(iq, "wait", "internal-server-error", "The data could not be read");
  }
  xml::Element reply = stream::iq_result(iq);
  // Nothing kept: the empty element asked for, as XEP-0049 answers.
  reply.add(xml::Element("query", std::string(ns::kPrivate)))
      .add(element ? std::move(*element) : xml::Element(wanted.name(), wanted.xmlns()));
  router.deliver(reply);
}

void PrivateStorage::handle(router::Router& router, const xml::Element& iq) {
  const auto from = stream::address(iq, "from").jid;
  if (!from) return;
  const Jid account = from->to_bare();
  // Only the account's own resources, with no 'to' or their own bare JID (XEP-0049 §3).
  if (const auto to = stream::address(iq, "to").jid; to && to->bare() != account.bare())
    return router.bounce(iq, "cancel", "forbidden", "Private storage belongs to its account alone");
  const xml::Element& query = *iq.first_element();
  std::vector<const xml::Element*> elements;
  for (const xml::Element& child : query.children())
    if (child.is_element()) elements.push_back(&child);
  if (elements.empty())
    return router.bounce(iq, "modify", "not-acceptable", "Name the element to store or read, in its own namespace");
  for (const xml::Element* e : elements)
    if (reserved_namespace(e->xmlns()))
      return router.bounce(iq, "modify", "not-acceptable",
                           e->xmlns().empty() || e->xmlns() == ns::kPrivate ? std::string("The element needs a namespace of its own")
                                              : "The namespace " + e->xmlns() + " is reserved");
  const std::string bare = account.bare();

  if (stream::stanza_type(iq) == "get") {
    if (elements.size() != 1) return router.bounce(iq, "modify", "bad-request", "One element per get");
    return get(router, iq, bare, *elements.front());
  }

  std::vector<PrivateItem> items;
  for (const xml::Element* e : elements)
    items.push_back({e->name(), e->xmlns(), xml::serialize(*e, ns::kPrivate)});
  bool stored = false;
  try {
    stored = store_.set(bare, items);
  } catch (const std::exception& e) {
    log::error("private: cannot store for " + bare + ": " + e.what());
    return router.bounce(iq, "wait", "internal-server-error", "The data could not be stored");
  }
  if (!stored)
    return router.bounce(iq, "modify", "policy-violation",
                         "Private storage holds at most " + std::to_string(store_.limit()) + " bytes per account");
  router.deliver(stream::iq_result(iq));
  for (const xml::Element* e : elements)
    if (const auto it = observers_.find(e->xmlns()); it != observers_.end()) it->second(account, *e);
}

}  // namespace jabberadmin::private_storage
