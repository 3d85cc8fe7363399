// What a client says about a file it uploads, made safe to store and to serve: its name
// (a path segment of the URL and a Content-Disposition parameter), its media type (never
// one that runs in the server's origin), and the random token that names the slot.
#pragma once

#include <string>
#include <string_view>

namespace jabberadmin::upload {

// The longest file name kept, in bytes of UTF-8 (cut at a character boundary).
inline constexpr std::size_t kMaxFileNameBytes = 128;

// The slot's token: 256 bits from OpenSSL's RAND_bytes, 64 lowercase hex digits (a path
// segment that needs no escaping). Throws std::runtime_error if the generator fails.
std::string new_token();
// 64 lowercase hex digits: the shape new_token() makes, checked before any lookup.
bool is_token(std::string_view text);

// The client's file name as one harmless path segment: only what follows the last '/' or
// '\\'; control characters (NUL included), malformed UTF-8 and the characters Windows
// refuses in names become '_'; leading dots and spaces go (no ".", "..", hidden files),
// trailing dots and spaces too; at most kMaxFileNameBytes; "file" if nothing is left.
std::string sanitize_file_name(std::string_view name);

// RFC 3986 percent-encoding of everything but the unreserved characters: the file name
// as a URL path segment (and RFC 5987's value-chars, which are the same set here).
std::string percent_encode(std::string_view text);
// The reverse, for a request's path segment; nothing decoded if an escape is malformed.
bool percent_decode(std::string_view text, std::string& out);

// A declared media type, lowercased and checked (type "/" subtype, RFC 6838 characters,
// parameters dropped); application/octet-stream when absent or malformed.
std::string normalize_content_type(std::string_view declared);

// How a stored file is served (cl-jabberd(8), "HTTP file upload"): types a browser shows
// without running anything (images but SVG, audio, video, plain text) inline with their
// declared type; every other type as an attachment, and the active ones (HTML, XML, SVG,
// scripts, any text/* but plain) as application/octet-stream, so that nothing a user
// uploaded runs as a page of the server's origin.
struct Presentation {
  std::string content_type;
  bool inline_display = false;
};
Presentation present(std::string_view content_type);

// RFC 6266 Content-Disposition with RFC 5987's filename* for names beyond ASCII:
//   attachment; filename="_____.jpg"; filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.jpg
std::string content_disposition(std::string_view file_name, bool inline_display);

}  // namespace jabberadmin::upload
