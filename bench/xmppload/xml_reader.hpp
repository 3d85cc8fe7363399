// A minimal streaming reader of the server's side of an XMPP stream (expat, namespace-aware):
// bytes in, complete top-level stanzas out. Only what a load generator needs: element names
// (local part), attributes, children and text. Independent of server/ on purpose: the client
// must not share code with the server it measures.
#pragma once

#include <expat.h>

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

  // A new stream (after STARTTLS or SASL success) starts a new XML document.
  void reset() {
    XML_ParserReset(parser_, nullptr);
    install();
    stack_.clear();
    depth_ = 0;
    opened_ = closed_ = false;
  }

  // Returns false on malformed XML.
  bool feed(const char* data, std::size_t size) {
    if (XML_Parse(parser_, data, static_cast<int>(size), 0) == XML_STATUS_ERROR) return false;
    return true;
  }

  bool stream_opened() const { return opened_; }
  bool stream_closed() const { return closed_; }
  std::deque<std::unique_ptr<Element>>& stanzas() { return ready_; }

 private:
  void install() {
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &XmlReader::on_start, &XmlReader::on_end);
    XML_SetCharacterDataHandler(parser_, &XmlReader::on_text);
  }
  static void split(const char* qname, std::string& ns, std::string& local) {
    std::string_view q(qname);
    const auto sp = q.rfind(' ');
    if (sp == std::string_view::npos) {
      ns.clear();
      local.assign(q);
    } else {
      ns.assign(q.substr(0, sp));
      local.assign(q.substr(sp + 1));
    }
  }
  static void on_start(void* data, const XML_Char* name, const XML_Char** atts) {
    auto* self = static_cast<XmlReader*>(data);
    ++self->depth_;
    if (self->depth_ == 1) {
      self->opened_ = true;
      return;
    }
    auto el = std::make_unique<Element>();
    split(name, el->ns, el->name);
    for (int i = 0; atts[i] != nullptr; i += 2) {
      std::string ns, local;
      split(atts[i], ns, local);
      el->attrs.emplace_back(std::move(local), atts[i + 1]);
    }
    if (self->stack_.empty()) {
      self->stack_.push_back(std::move(el));
    } else {
      Element* raw = el.get();
      self->current()->children.push_back(std::move(el));
      self->open_.push_back(raw);
      return;
    }
    self->open_.clear();
  }
  Element* current() { return open_.empty() ? (stack_.empty() ? nullptr : stack_.back().get()) : open_.back(); }
  static void on_end(void* data, const XML_Char*) {
    auto* self = static_cast<XmlReader*>(data);
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
      self->ready_.push_back(std::move(self->stack_.back()));
      self->stack_.clear();
    }
  }
  static void on_text(void* data, const XML_Char* s, int len) {
    auto* self = static_cast<XmlReader*>(data);
    if (self->depth_ < 2) return;  // whitespace keepalives between stanzas
    if (Element* e = self->current()) e->text.append(s, static_cast<std::size_t>(len));
  }

  XML_Parser parser_;
  std::vector<std::unique_ptr<Element>> stack_;  // the stanza being built (0 or 1)
  std::vector<Element*> open_;                   // its open descendants
  std::deque<std::unique_ptr<Element>> ready_;
  int depth_ = 0;
  bool opened_ = false, closed_ = false;
};

}  // namespace xmppload
