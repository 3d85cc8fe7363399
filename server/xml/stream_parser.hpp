// Incremental parser for one XMPP stream (RFC 6120 §4, §11) over expat.
//
// Bytes go in as they arrive; out come events: the stream header, each complete top-level
// element (a stanza or a nonza), the stream's end. Everything RFC 6120 §11.1 forbids (DTDs,
// entity declarations, processing instructions, comments) stops the parser with
// restricted-xml, and so do elements in the reserved xml and xmlns namespaces (xml:lang and
// other xml: attributes are kept); a top-level element larger than the limit stops it with
// policy-violation while it is still arriving, so memory stays bounded by the limit plus
// one read buffer. XMPP is UTF-8 only: a stream that begins with a UTF-16 byte-order mark
// is refused with unsupported-encoding.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "xml/element.hpp"

namespace jabberadmin::xml {

struct StreamOpen {
  Element header;  // the root element: its attributes, plus "xmlns" / "xmlns:<prefix>" declarations
};
struct StreamClose {};
using StreamEvent = std::variant<StreamOpen, Element, StreamClose>;

enum class ParseError {
  NotWellFormed,        // not XML
  RestrictedXml,        // DTD, entity declaration, processing instruction, comment, reserved namespace
  PolicyViolation,      // a top-level element nested too deeply
  StanzaTooLarge,       // a top-level element over the size limit (policy-violation too)
  UnsupportedEncoding,  // a UTF-16 byte-order mark: XMPP is UTF-8 only
};
// The stream error condition (RFC 6120 §4.9.3) for a parse error.
std::string_view to_string(ParseError error);

struct ParserLimits {
  std::size_t max_stanza_size = 65536;  // bytes of one top-level element, as sent
  std::size_t max_depth = 48;           // element nesting inside a stanza
};

class StreamParser {
 public:
  explicit StreamParser(ParserLimits limits = {});
  ~StreamParser();
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  // Parses the next bytes and appends what they completed to events. After an error the
  // parser stays failed (every later call returns the same error) until reset().
  std::optional<ParseError> feed(std::string_view data, std::vector<StreamEvent>& events);
  // Starts a new stream (after STARTTLS or SASL success).
  void reset();

  struct State;  // expat's callbacks need to see it

 private:
  ParserLimits limits_;
  std::unique_ptr<State> state_;
};

// Reads back one element that serialize(element, parent_xmlns) wrote (a stanza kept in the
// database: offline messages, pending subscription requests), with the stream's checks and
// a size limit that only guards against a damaged row. Nothing when the text is not a whole
// element; the first element when it holds more.
std::optional<Element> parse_serialized(std::string_view text, std::string_view parent_xmlns);

}  // namespace jabberadmin::xml
