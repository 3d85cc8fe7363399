#include "xml/stream_parser.hpp"

#include <dlfcn.h>
#include <expat.h>

namespace jabberadmin::xml {

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::NotWellFormed: return "not-well-formed";
    case ParseError::RestrictedXml: return "restricted-xml";
    case ParseError::PolicyViolation: return "policy-violation";
    case ParseError::StanzaTooLarge: return "policy-violation";
    case ParseError::UnsupportedEncoding: return "unsupported-encoding";
  }
  return "not-well-formed";
}

namespace {
constexpr char kSeparator = '\n';  // cannot occur in a namespace name after attribute normalisation
constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
constexpr std::string_view kXmlnsNs = "http://www.w3.org/2000/xmlns/";

// Expat's reparse deferral (2.6, and Debian 12's later security updates of 2.5.0) holds back
// an incomplete token until more input arrives; an interactive protocol needs every complete
// token reported at once, so it is turned off where the library has it. It is looked up at run
// time, not only at build time: a binary built against an older point release may run against a
// newer library (and the reverse), and the version macros do not change with a backport.
void disable_reparse_deferral(XML_Parser p) {
  using Setter = XML_Bool (*)(XML_Parser, XML_Bool);
  static const auto setter = reinterpret_cast<Setter>(dlsym(RTLD_DEFAULT, "XML_SetReparseDeferralEnabled"));
  if (setter != nullptr) setter(p, XML_FALSE);
}

struct ParserCloser {
  void operator()(XML_Parser p) const noexcept { XML_ParserFree(p); }
};

struct QName {
  std::string_view ns, local, prefix;
};
QName split(std::string_view triplet) {
  QName q;
  const auto a = triplet.find(kSeparator);
  if (a == std::string_view::npos) {
    q.local = triplet;
    return q;
  }
  q.ns = triplet.substr(0, a);
  const auto rest = triplet.substr(a + 1);
  const auto b = rest.find(kSeparator);
  q.local = rest.substr(0, b);
  if (b != std::string_view::npos) q.prefix = rest.substr(b + 1);
  return q;
}
}  // namespace

struct StreamParser::State {
  ParserLimits limits;
  std::unique_ptr<XML_ParserStruct, ParserCloser> parser;
  std::vector<StreamEvent>* events = nullptr;
  std::optional<ParseError> error;
  std::vector<Element> stack;  // open elements of the current stanza
  std::vector<std::pair<std::string, std::string>> pending_ns;  // declarations for the next element
  std::size_t depth = 0;       // 0 = outside the root, 1 = inside the stream
  bool closed = false;
  long long total_fed = 0;
  long long boundary = 0;      // byte index where the current top-level item began
  long long stanza_start = 0;

  void fail(ParseError e) {
    if (!error) error = e;
    XML_StopParser(parser.get(), XML_FALSE);
  }
  long long index() const { return XML_GetCurrentByteIndex(parser.get()); }
  long long event_end() const { return index() + XML_GetCurrentByteCount(parser.get()); }
  bool over_limit(long long from, long long to) const {
    return to - from > static_cast<long long>(limits.max_stanza_size);
  }
};

namespace {
using State = StreamParser::State;
State& st(void* data) { return *static_cast<State*>(data); }

void on_start(void* data, const XML_Char* name, const XML_Char** atts) {
  auto& s = st(data);
  if (s.error) return;
  const QName q = split(name);
  // <xml:x/> would serialize as a default declaration of a reserved namespace, which no
  // parser accepts back: elements there are no XMPP, refused as restricted XML.
  if (q.ns == kXmlNs || q.ns == kXmlnsNs) return s.fail(ParseError::RestrictedXml);
  Element e{std::string(q.local), std::string(q.ns)};
  for (const XML_Char** a = atts; *a != nullptr; a += 2) {
    const QName an = split(a[0]);
    if (an.ns.empty()) {
      e.set_attr(an.local, a[1]);
    } else if (an.ns == kXmlNs) {
      e.set_attr("xml:" + std::string(an.local), a[1]);
    } else {
      // A foreign namespaced attribute keeps its prefix and gets its declaration back.
      const std::string prefix = an.prefix.empty() ? "ns" : std::string(an.prefix);
      e.set_attr("xmlns:" + prefix, an.ns);
      e.set_attr(prefix + ":" + std::string(an.local), a[1]);
    }
  }
  if (s.depth == 0) {
    for (auto& [k, v] : s.pending_ns) e.set_attr(k, v);
    s.pending_ns.clear();
    s.depth = 1;
    s.boundary = s.event_end();
    s.events->push_back(StreamOpen{std::move(e)});
    return;
  }
  s.pending_ns.clear();
  if (s.depth == 1) s.stanza_start = s.index();
  if (s.over_limit(s.stanza_start, s.event_end())) return s.fail(ParseError::StanzaTooLarge);
  if (s.stack.size() >= s.limits.max_depth) return s.fail(ParseError::PolicyViolation);
  s.stack.push_back(std::move(e));
  ++s.depth;
}

void on_end(void* data, const XML_Char*) {
  auto& s = st(data);
  if (s.error) return;
  if (s.depth == 1) {
    s.depth = 0;
    s.closed = true;
    s.events->push_back(StreamClose{});
    return;
  }
  --s.depth;
  if (s.over_limit(s.stanza_start, s.event_end())) return s.fail(ParseError::StanzaTooLarge);
  Element done = std::move(s.stack.back());
  s.stack.pop_back();
  if (s.stack.empty()) {
    s.boundary = s.event_end();
    s.events->push_back(std::move(done));
  } else {
    s.stack.back().add(std::move(done));
  }
}

void on_text(void* data, const XML_Char* text, int len) {
  auto& s = st(data);
  if (s.error) return;
  if (s.stack.empty()) {
    // Whitespace between stanzas (keepalives) moves the boundary; anything else is not XMPP.
    for (int i = 0; i < len; ++i)
      if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
        return s.fail(ParseError::NotWellFormed);
    s.boundary = s.event_end();
    return;
  }
  if (s.over_limit(s.stanza_start, s.event_end())) return s.fail(ParseError::StanzaTooLarge);
  s.stack.back().add_text(std::string_view(text, static_cast<std::size_t>(len)));
}

void on_ns(void* data, const XML_Char* prefix, const XML_Char* uri) {
  auto& s = st(data);
  if (s.depth != 0) return;  // only the stream header reports its declarations
  s.pending_ns.emplace_back(prefix ? "xmlns:" + std::string(prefix) : "xmlns", uri ? uri : "");
}

void restricted(void* data) { st(data).fail(ParseError::RestrictedXml); }
void on_doctype(void* d, const XML_Char*, const XML_Char*, const XML_Char*, int) { restricted(d); }
void on_entity(void* d, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
               const XML_Char*, const XML_Char*) {
  restricted(d);
}
void on_pi(void* d, const XML_Char*, const XML_Char*) { restricted(d); }
void on_comment(void* d, const XML_Char*) { restricted(d); }
void on_skipped(void* d, const XML_Char*, int) { restricted(d); }
void on_element_decl(void* d, const XML_Char*, XML_Content* model) {
  XML_FreeContentModel(st(d).parser.get(), model);
  restricted(d);
}
void on_attlist(void* d, const XML_Char*, const XML_Char*, const XML_Char*, const XML_Char*, int) { restricted(d); }
void on_notation(void* d, const XML_Char*, const XML_Char*, const XML_Char*, const XML_Char*) { restricted(d); }
}  // namespace

StreamParser::StreamParser(ParserLimits limits) : limits_(limits) { reset(); }
StreamParser::~StreamParser() = default;

void StreamParser::reset() {
  auto s = std::make_unique<State>();
  s->limits = limits_;
  // "UTF-8" overrides any encoding the document declares: XMPP is UTF-8 only.
  s->parser.reset(XML_ParserCreateNS("UTF-8", kSeparator));
  XML_Parser p = s->parser.get();
  XML_SetUserData(p, s.get());
  XML_SetReturnNSTriplet(p, XML_TRUE);
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
  // An interactive protocol: every complete token must be reported at once.
  disable_reparse_deferral(p);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  XML_SetStartNamespaceDeclHandler(p, on_ns);
  XML_SetStartDoctypeDeclHandler(p, on_doctype);
  XML_SetEntityDeclHandler(p, on_entity);
  XML_SetProcessingInstructionHandler(p, on_pi);
  XML_SetCommentHandler(p, on_comment);
  XML_SetSkippedEntityHandler(p, on_skipped);
  XML_SetElementDeclHandler(p, on_element_decl);
  XML_SetAttlistDeclHandler(p, on_attlist);
  XML_SetNotationDeclHandler(p, on_notation);
  state_ = std::move(s);
}

std::optional<ParseError> StreamParser::feed(std::string_view data, std::vector<StreamEvent>& events) {
  State& s = *state_;
  if (s.error) return s.error;
  if (s.closed) {
    // Only whitespace may follow the end of the stream.
    if (data.find_first_not_of(" \t\r\n") != std::string_view::npos) s.error = ParseError::NotWellFormed;
    return s.error;
  }
  if (s.total_fed == 0 && !data.empty() && (data[0] == '\xFE' || data[0] == '\xFF')) {
    // A UTF-16 byte-order mark (FE FF, FF FE) would switch expat to UTF-16 whatever encoding
    // we gave it; neither byte can start UTF-8 text.
    s.error = ParseError::UnsupportedEncoding;
    return s.error;
  }
  s.events = &events;
  // Fed in slices no larger than the limit, so a single huge read is refused early.
  const std::size_t slice = limits_.max_stanza_size + 1;
  while (!data.empty() && !s.error && !s.closed) {
    const std::string_view part = data.substr(0, slice);
    data.remove_prefix(part.size());
    s.total_fed += static_cast<long long>(part.size());
    const auto status = XML_Parse(s.parser.get(), part.data(), static_cast<int>(part.size()), XML_FALSE);
    if (status == XML_STATUS_ERROR && !s.error) s.error = ParseError::NotWellFormed;
    // Bytes expat holds without an event yet (an unfinished tag, or a stanza whose
    // callbacks are still pending) count against the limit too.
    if (!s.error && !s.closed && s.over_limit(s.boundary, s.total_fed)) s.error = ParseError::StanzaTooLarge;
  }
  if (s.closed && !s.error && data.find_first_not_of(" \t\r\n") != std::string_view::npos)
    s.error = ParseError::NotWellFormed;
  s.events = nullptr;
  return s.error;
}

std::optional<Element> parse_serialized(std::string_view text, std::string_view parent_xmlns) {
  // Stored stanzas were within the stream's limit when they came in; stamping 'from' and
  // 'to' adds little, so a generous limit here only guards against a damaged row.
  StreamParser parser(ParserLimits{.max_stanza_size = 1 << 24});
  // The parser takes any root as the stream's header: one that declares the parent's namespace.
  std::string input = "<stored";
  if (!parent_xmlns.empty()) input += " xmlns='" + escape_attr(parent_xmlns) + "'";
  input += '>';
  input += text;
  std::vector<StreamEvent> events;
  if (parser.feed(input, events)) return std::nullopt;
  for (auto& event : events)
    if (auto* element = std::get_if<Element>(&event)) return std::move(*element);
  return std::nullopt;
}

}  // namespace jabberadmin::xml
