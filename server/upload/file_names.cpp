#include "upload/file_names.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "jabberadmin/encoding.hpp"

namespace jabberadmin::upload {
namespace {

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// The length of the well-formed UTF-8 sequence at s[0] (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead == 0xE0) length = 3, low = 0xA0;
  else if (lead >= 0xE1 && lead <= 0xEC) length = 3;
  else if (lead == 0xED) length = 3, high = 0x9F;
  else if (lead >= 0xEE && lead <= 0xEF) length = 3;
  else if (lead == 0xF0) length = 4, low = 0x90;
  else if (lead >= 0xF1 && lead <= 0xF3) length = 4;
  else if (lead == 0xF4) length = 4, high = 0x8F;
  else return 0;
  if (s.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return length;
}

// Characters no file name gets: controls, and what Windows refuses or shells misread.
bool is_refused(unsigned char c) {
  return c < 0x20 || c == 0x7F || std::string_view("<>:\"|?*\\/").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// RFC 6838 §4.2 restricted-name characters (after the first, which is alphanumeric).
bool is_type_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
}

bool is_type_name(std::string_view name) {
  return !name.empty() && name.size() <= 127 && ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')) &&
         std::all_of(name.begin(), name.end(), is_type_char);
}

}  // namespace

std::string new_token() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("the random generator failed");
  return encoding::hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool is_token(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), is_hex_digit);
}

std::string sanitize_file_name(std::string_view name) {
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  while (!name.empty()) {
    const std::size_t length = utf8_sequence(name);
    std::string_view piece = name.substr(0, std::max<std::size_t>(length, 1));
    if (length == 0 || (length == 1 && is_refused(static_cast<unsigned char>(name[0])))) piece = "_";
    // U+0080..U+009F: C1 controls.
    if (length == 2 && static_cast<unsigned char>(name[0]) == 0xC2 && static_cast<unsigned char>(name[1]) < 0xA0) piece = "_";
    if (out.size() + piece.size() > kMaxFileNameBytes) break;
    out += piece;
    name.remove_prefix(std::max<std::size_t>(length, 1));
  }
  const std::size_t first = out.find_first_not_of(". ");
  out.erase(0, first == std::string::npos ? out.size() : first);
  while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
  return out.empty() ? std::string("file") : out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte)) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = digit(text[i + 1]), low = digit(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

std::string normalize_content_type(std::string_view declared) {
  std::string type(declared.substr(0, declared.find(';')));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  const std::size_t first = type.find_first_not_of(" \t");
  type.erase(0, first == std::string::npos ? type.size() : first);
  const std::size_t slash = type.find('/');
  if (slash == std::string::npos || !is_type_name(std::string_view(type).substr(0, slash)) ||
      !is_type_name(std::string_view(type).substr(slash + 1)))
    return "application/octet-stream";
  return type;
}

Presentation present(std::string_view content_type) {
  const std::string type = normalize_content_type(content_type);
  const std::string_view top = std::string_view(type).substr(0, type.find('/'));
  const std::string_view sub = std::string_view(type).substr(type.find('/') + 1);
  // Anywhere in the type, not only the subtype: a type a browser does not know is never
  // shown anyway, and the test is then one a reader can check at a glance.
  const auto has = [&](std::string_view part) { return type.find(part) != std::string::npos; };
  const bool active = (top == "text" && sub != "plain") || has("html") || has("xml") || has("svg") || has("script") ||
                      top == "multipart" || type == "application/x-shockwave-flash";
  if (active) return {"application/octet-stream", false};
  const bool passive = top == "image" || top == "audio" || top == "video" || type == "text/plain";
  return {type, passive};
}

std::string content_disposition(std::string_view file_name, bool inline_display) {
  std::string fallback;
  bool ascii = true;
  for (const char c : file_name) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain = byte >= 0x20 && byte < 0x7F && c != '"' && c != '\\' && c != '%';
    if (byte >= 0x80) ascii = false;
    // One '_' per character, not per byte: skip UTF-8 continuation bytes.
    if (!plain && (byte & 0xC0) == 0x80) continue;
    fallback += plain ? c : '_';
  }
  std::string out = std::string(inline_display ? "inline" : "attachment") + "; filename=\"" + fallback + "\"";
  if (!ascii || fallback != file_name) out += "; filename*=UTF-8''" + percent_encode(file_name);
  return out;
}

}  // namespace jabberadmin::upload
