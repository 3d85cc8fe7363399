// A minimal streaming reader of the server's side of an XMPP stream (expat, namespace-aware):
// bytes in, complete top-level stanzas out. Only what a load generator needs: element names
// (local part), attributes, children and text. Independent of server/ on purpose: the client
// must not share code with the server it measures.
//
// Receiving must cost the generator little (it shares the cores with the server it measures),
// so what is only counted is never built:
//   - a top-level <presence/> is counted (count_presences) when its end tag is parsed, and
//     skipped: no Element, no strings, whatever its children;
//   - the children of a roster <query xmlns='jabber:iq:roster'/> are counted in
//     Element::counted and skipped (a shared roster is 1,000 items with a group each).
// Everything else becomes an Element tree, as before.
#pragma once

#include <expat.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xmppload {

struct Element {
  std::string name;  // local name, namespace stripped
  std::string ns;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<std::unique_ptr<Element>> children;
  std::string text;
  std::size_t counted = 0;  // child elements counted but not kept (roster items)

  // Every child element, kept or only counted.
  std::size_t child_count() const { return children.size() + counted; }
  std::string_view attr(std::string_view key) const {
    for (const auto& [k, v] : attrs)
      if (k == key) return v;
    return {};
  }
  const Element* child(std::string_view local) const {
    for (const auto& c : children)
      if (c->name == local) return c.get();
    return nullptr;
  }
};

class XmlReader {
 public:
  XmlReader() : parser_(XML_ParserCreateNS(nullptr, ' ')) { install(); }
  ~XmlReader() { XML_ParserFree(parser_); }
  XmlReader(const XmlReader&) = delete;
  XmlReader& operator=(const XmlReader&) = delete;

  // Where to count the top-level presence stanzas (which are then not queued).
  void count_presences(std::size_t* counter) { presences_ = counter; }

  // A new stream (after STARTTLS or SASL success) starts a new XML document.
  void reset() {
    XML_ParserReset(parser_, nullptr);
    install();
    stack_.clear();
    open_.clear();
    depth_ = skip_ = 0;
    skipping_presence_ = false;
    opened_ = closed_ = false;
  }

  // Returns false on malformed XML.
  bool feed(const char* data, std::size_t size) {
    if (XML_Parse(parser_, data, static_cast<int>(size), 0) == XML_STATUS_ERROR) return false;
    return true;
  }

  // Top-level stanzas (message, presence, iq) parsed since the reader was made: XEP-0198's
  // h, modulo 2^32, once the count at <enabled/> is taken off.
  std::uint32_t stanza_count() const { return stanzas_; }

  bool stream_opened() const { return opened_; }
  bool stream_closed() const { return closed_; }
  std::deque<std::unique_ptr<Element>>& stanzas() { return ready_; }

 private:
  void install() {
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &XmlReader::on_start, &XmlReader::on_end);
    XML_SetCharacterDataHandler(parser_, &XmlReader::on_text);
  }
  // expat's namespace-aware names are "namespace-uri local" (separator ' ') or just "local".
  static std::string_view local_of(std::string_view q) {
    const auto sp = q.rfind(' ');
    return sp == std::string_view::npos ? q : q.substr(sp + 1);
  }
  static std::string_view ns_of(std::string_view q) {
    const auto sp = q.rfind(' ');
    return sp == std::string_view::npos ? std::string_view() : q.substr(0, sp);
  }
  static void on_start(void* data, const XML_Char* name, const XML_Char** atts) {
    auto* self = static_cast<XmlReader*>(data);
    ++self->depth_;
    if (self->skip_ != 0) return;  // inside something only counted
    if (self->depth_ == 1) {
      self->opened_ = true;
      return;
    }
    const std::string_view qname(name);
    const std::string_view local = local_of(qname);
    if (self->depth_ == 2 && self->presences_ != nullptr && local == "presence") {
      self->skip_ = self->depth_;
      self->skipping_presence_ = true;
      return;
    }
    Element* parent = self->current();
    if (parent != nullptr && parent->name == "query" && parent->ns == "jabber:iq:roster") {
      ++parent->counted;
      self->skip_ = self->depth_;
      return;
    }
    auto el = std::make_unique<Element>();
    el->ns.assign(ns_of(qname));
    el->name.assign(local);
    int n = 0;
    while (atts[n] != nullptr) n += 2;
    el->attrs.reserve(static_cast<std::size_t>(n / 2));
    for (int i = 0; i < n; i += 2) el->attrs.emplace_back(local_of(atts[i]), atts[i + 1]);
    if (parent == nullptr) {
      self->stack_.push_back(std::move(el));
      self->open_.clear();
      return;
    }
    Element* raw = el.get();
    parent->children.push_back(std::move(el));
    self->open_.push_back(raw);
  }
  Element* current() { return open_.empty() ? (stack_.empty() ? nullptr : stack_.back().get()) : open_.back(); }
  static void on_end(void* data, const XML_Char*) {
    auto* self = static_cast<XmlReader*>(data);
    if (self->skip_ != 0) {
      if (self->depth_ == self->skip_) {
        self->skip_ = 0;
        if (self->skipping_presence_) {
          ++*self->presences_;
          ++self->stanzas_;
          self->skipping_presence_ = false;
        }
      }
      --self->depth_;
      return;
    }
    --self->depth_;
    if (self->depth_ == 0) {
      self->closed_ = true;
      return;
    }
    if (!self->open_.empty()) {
      self->open_.pop_back();
      return;
    }
    if (self->depth_ == 1 && !self->stack_.empty()) {
      const std::string& name = self->stack_.back()->name;
      if (self->stack_.back()->ns == "jabber:client" && (name == "message" || name == "presence" || name == "iq"))
        ++self->stanzas_;
      self->ready_.push_back(std::move(self->stack_.back()));
      self->stack_.clear();
    }
  }
  static void on_text(void* data, const XML_Char* s, int len) {
    auto* self = static_cast<XmlReader*>(data);
    if (self->depth_ < 2 || self->skip_ != 0) return;  // keepalives between stanzas; skipped elements
    if (Element* e = self->current()) e->text.append(s, static_cast<std::size_t>(len));
  }

  XML_Parser parser_;
  std::vector<std::unique_ptr<Element>> stack_;  // the stanza being built (0 or 1)
  std::vector<Element*> open_;                   // its open descendants
  std::deque<std::unique_ptr<Element>> ready_;
  std::size_t* presences_ = nullptr;
  std::uint32_t stanzas_ = 0;
  int depth_ = 0;
  int skip_ = 0;  // depth of the element being skipped (0: none)
  bool skipping_presence_ = false;
  bool opened_ = false, closed_ = false;
};

}  // namespace xmppload
