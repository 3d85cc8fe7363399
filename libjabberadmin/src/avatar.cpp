// Avatars: the input's format is recognised from its first bytes and checked against a short
// list before any decoder sees it. With Magick++ the decoder is then forced to that format, so
// ImageMagick never guesses from the content (no MSL, SVG, MVG, PostScript, URLs, "@file").
// Without Magick++, JPEG goes through libjpeg alone (avatar_libjpeg.cpp).
//
// Small images are never enlarged: enlarging adds bytes to the directory and no detail, and
// clients scale avatars to their own display size anyway.
#include "jabberadmin/avatar.hpp"

#include "jabberadmin/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#if JABBERADMIN_HAVE_MAGICK
#include <Magick++.h>
#include <mutex>
#endif

namespace jabberadmin::avatar {
namespace detail {
// avatar_libjpeg.cpp: JPEG in, bounded JPEG out, through libjpeg alone.
std::string jpeg_to_jpeg(std::string_view jpeg_bytes);
}  // namespace detail

namespace {

using namespace std::string_view_literals;

constexpr std::string_view kNoMagick =
    "only JPEG images are supported: this build has no ImageMagick (Magick++)";

Error invalid(const std::string& message) { return Error{ErrorKind::InvalidArgument, message}; }

bool has_at(std::string_view bytes, std::size_t at, std::string_view prefix) {
  return bytes.size() >= at + prefix.size() && bytes.substr(at, prefix.size()) == prefix;
}

// What the first bytes say. `coder` is the ImageMagick coder we allow to decode it; formats we
// recognise but refuse only have a name, unknown data has neither.
struct Format {
  const char* coder = nullptr;
  const char* name = nullptr;
};

Format recognise(std::string_view b) {
  if (has_at(b, 0, "\xFF\xD8\xFF"sv)) return {"JPEG", "JPEG"};
  if (has_at(b, 0, "\x89PNG\r\n\x1A\n"sv)) return {"PNG", "PNG"};
  if (has_at(b, 0, "GIF87a"sv) || has_at(b, 0, "GIF89a"sv)) return {"GIF", "GIF"};
  if (has_at(b, 0, "RIFF"sv) && has_at(b, 8, "WEBP"sv)) return {"WEBP", "WebP"};
  if (has_at(b, 0, "BM"sv) && b.size() >= 26) return {"BMP", "BMP"};
  if (has_at(b, 0, "II*\0"sv) || has_at(b, 0, "MM\0*"sv)) return {"TIFF", "TIFF"};
  // Refused by name: vector and document formats run scripts or fetch through delegates.
  if (has_at(b, 0, "%PDF"sv)) return {nullptr, "PDF"};
  if (has_at(b, 0, "%!"sv) || has_at(b, 0, "\xC5\xD0\xD3\xC6"sv)) return {nullptr, "PostScript"};
  if (has_at(b, 4, "ftyp"sv) && (has_at(b, 8, "hei"sv) || has_at(b, 8, "mif1"sv) || has_at(b, 8, "avif"sv))) {
    return {nullptr, "HEIF/AVIF"};
  }
  const std::string_view head = b.substr(0, 4096);
  const auto first = head.find_first_not_of("\xEF\xBB\xBF \t\r\n"sv);  // after a BOM and blanks
  if (first != head.npos && head[first] == '<' && head.find("<svg") != head.npos) return {nullptr, "SVG"};
  if (has_at(b, 0, "push graphic-context"sv) || has_at(b, 0, "viewbox"sv)) return {nullptr, "MVG"};
  return {};
}

bool looks_like_text(std::string_view b) {
  for (const unsigned char c : b.substr(0, 512)) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return false;
  }
  return true;
}

std::string unknown_data(std::string_view b) {
  return looks_like_text(b) ? "it is text" : "unrecognised data";
}

#if JABBERADMIN_HAVE_MAGICK

std::string too_large(std::uint64_t width, std::uint64_t height) {
  return "image too large: " + std::to_string(width) + "x" + std::to_string(height) + " pixels, at most " +
         std::to_string(kMaxInputPixels) + " pixels";
}

std::uint32_t be32(std::string_view b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
std::uint32_t le(std::string_view b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
  return v;
}

// The canvas a WebP's first chunk claims (RFC 9649 §2.5-2.7): extended (VP8X), lossless
// (VP8L) or lossy (VP8).
std::optional<std::pair<std::uint64_t, std::uint64_t>> webp_size(std::string_view b) {
  if (b.size() >= 30 && has_at(b, 12, "VP8X"sv)) return {{le(b, 24, 3) + 1ULL, le(b, 27, 3) + 1ULL}};
  if (b.size() >= 25 && has_at(b, 12, "VP8L"sv) && static_cast<unsigned char>(b[20]) == 0x2f) {
    const std::uint32_t bits = le(b, 21, 4);
    return {{(bits & 0x3fff) + 1ULL, ((bits >> 14) & 0x3fff) + 1ULL}};
  }
  if (b.size() >= 30 && has_at(b, 12, "VP8 "sv) && has_at(b, 23, "\x9d\x01\x2a"sv))
    return {{le(b, 26, 2) & 0x3fffULL, le(b, 28, 2) & 0x3fffULL}};
  return std::nullopt;
}

// The size the header claims, where it is cheap to read: ImageMagick's own ping of a PNG
// beyond its side limit fails without saying why, and its ping of a WebP decodes the whole
// picture first (a 36-byte file claiming 12048x8208 took seconds and a gigabyte); this way
// the refusal is immediate and the message names the size.
std::optional<std::pair<std::uint64_t, std::uint64_t>> header_size(std::string_view b,
                                                                   std::string_view coder) {
  if (coder == "WEBP") return webp_size(b);
  if (coder == "PNG" && b.size() >= 24 && has_at(b, 12, "IHDR"sv)) return {{be32(b, 16), be32(b, 20)}};
  if (coder == "GIF" && b.size() >= 10) return {{le(b, 6, 2), le(b, 8, 2)}};
  if (coder == "BMP" && le(b, 14, 4) >= 40) {
    const auto height = static_cast<std::int32_t>(le(b, 22, 4));  // negative: top-down rows
    return {{le(b, 18, 4), static_cast<std::uint64_t>(height < 0 ? -std::int64_t{height} : height)}};
  }
  return std::nullopt;
}

// Process-wide on purpose: ImageMagick's policy and limits have no narrower scope. The policy
// repeats our whitelist inside ImageMagick (defence in depth; delegates are external programs).
constexpr const char* kPolicy = R"(<policymap>
  <policy domain="system" name="max-memory-request" value="256MiB"/>
  <policy domain="delegate" rights="none" pattern="*"/>
  <policy domain="path" rights="none" pattern="@*"/>
  <policy domain="coder" rights="none" pattern="*"/>
  <policy domain="coder" rights="read|write" pattern="{JPEG,PNG,GIF,WEBP,BMP,TIFF}"/>
</policymap>)";

void initialize_magick() {
  static std::once_flag once;
  std::call_once(once, [] {
    Magick::InitializeMagick(nullptr);
    MagickCore::ExceptionInfo* exception = MagickCore::AcquireExceptionInfo();
    // Fails only when the program set a policy of its own already; that one stands then.
    MagickCore::SetMagickSecurityPolicy(kPolicy, exception);
    MagickCore::DestroyExceptionInfo(exception);
    // Pixels live in memory or nowhere: with no disk (which memory-mapped caches need too),
    // an image beyond `area` or `memory` is refused whatever its header claimed. 256 MiB hold
    // some 32 megapixels at ImageMagick's 8 bytes a pixel; JPEGs shrink while decoding and
    // need far less. The site policy (/etc/ImageMagick-6/policy.xml) may lower these further.
    Magick::ResourceLimits::area(kMaxInputPixels);
    Magick::ResourceLimits::memory(MagickCore::MagickSizeType{256} << 20);
    Magick::ResourceLimits::map(0);
    Magick::ResourceLimits::disk(0);
  });
}

// ImageMagick says "prog: reason `file' @ source/location"; keep the reason.
std::string reason_of(const Magick::Exception& e) {
  std::string text = e.what();
  if (const auto colon = text.find(": "); colon != text.npos) text.erase(0, colon + 2);
  if (const auto end = text.find(" `"); end != text.npos) text.erase(end);
  if (const auto end = text.find(" @ "); end != text.npos) text.erase(end);
  return text;
}

bool says_truncated(std::string_view coder, std::string_view bytes, const std::string& reason) {
  for (const auto* hint : {"Premature end", "premature end", "unexpected end", "insufficient image data"}) {
    if (reason.find(hint) != reason.npos) return true;
  }
  // Asked after a failure only: a sound PNG header without the closing IEND chunk is cut short.
  return coder == "PNG" && has_at(bytes, 12, "IHDR"sv) && bytes.substr(bytes.size() - 8, 4) != "IEND";
}

// What a conversion knows about its input; the size once the header was read.
struct Input {
  std::string_view bytes;
  Format format;
  std::uint64_t width = 0, height = 0;
};

Error refusal(const Magick::Exception& e, const Input& in) {
  const std::string reason = reason_of(e);
  const Format& format = in.format;
  const bool limited = dynamic_cast<const Magick::ErrorResourceLimit*>(&e) ||
                       reason.find("exceeds limit") != reason.npos ||
                       reason.find("resources exhausted") != reason.npos;
  // Some coders (PNG) report a refused pixel cache only as "no image": judge by the size.
  const auto memory = Magick::ResourceLimits::memory();
  const bool over_memory = in.width * in.height * sizeof(MagickCore::PixelPacket) > memory;
  if (limited || over_memory) {
    const std::string size =
        in.width ? ": " + std::to_string(in.width) + "x" + std::to_string(in.height) + " pixels," : ",";
    const std::string why = limited ? reason : std::to_string(memory >> 20) + " MiB of memory";
    return invalid("image too large" + size + " more than ImageMagick's resource limits allow (" + why + ")");
  }
  if (dynamic_cast<const Magick::ErrorPolicy*>(&e) || dynamic_cast<const Magick::ErrorMissingDelegate*>(&e)) {
    return invalid(std::string{"unsupported image format: "} + format.name + " (" + reason + ")");
  }
  if (says_truncated(format.coder, in.bytes, reason)) return invalid("truncated image");
  if (reason.starts_with("No image was loaded")) {
    return invalid(std::string{"not an image or corrupt (the "} + format.name + " decoder found no image)");
  }
  return invalid("not an image or corrupt (" + reason + ")");
}

// Runs one decoding step. Magick++ throws warnings too, after the image was read: only a
// truncation is refused, and an image that did not come is an error whatever the severity.
template <typename Step>
void decode(const Magick::Image& image, const Input& in, Step&& step) {
  try {
    step();
  } catch (const Magick::Exception& e) {
    const bool is_warning = dynamic_cast<const Magick::Warning*>(&e) != nullptr;
    if (!is_warning || image.columns() == 0 || image.rows() == 0 ||
        says_truncated("", in.bytes, reason_of(e))) {
      throw refusal(e, in);
    }
  }
  if (image.columns() == 0 || image.rows() == 0) {
    throw invalid(std::string{"not an image or corrupt (the "} + in.format.name + " decoder found no image)");
  }
}

std::string magick_to_jpeg(std::string_view bytes, const Format& format) {
  initialize_magick();
  try {
    if (!Magick::CoderInfo(format.coder).isReadable()) throw Magick::ErrorMissingDelegate("no decoder");
  } catch (const Magick::Exception&) {
    throw invalid(std::string{"unsupported image format: "} + format.name +
                  " (this ImageMagick cannot read it)");
  }
  if (const auto size = header_size(bytes, format.coder);
      size && size->first * size->second > kMaxInputPixels) {
    throw invalid(too_large(size->first, size->second));
  }
  const Magick::Blob blob(bytes.data(), bytes.size());
  Input in{bytes, format};

  Magick::Image probe;
  probe.magick(format.coder);  // forced: never let ImageMagick guess from the content
  probe.subRange(1);           // the first frame only (animated GIF, multi-page TIFF)
  decode(probe, in, [&] { probe.ping(blob); });
  in.width = probe.columns();
  in.height = probe.rows();
  if (in.width * in.height > kMaxInputPixels) throw invalid(too_large(in.width, in.height));

  Magick::Image image;
  image.magick(format.coder);
  image.subRange(1);
  // libjpeg's DCT scaling does the first shrink while decoding: less memory, faster. Only
  // for large images: ImageMagick would enlarge a smaller one to the size asked.
  if (format.coder == "JPEG"sv && in.width >= 2 * kSide && in.height >= 2 * kSide) {
    image.defineValue("jpeg", "size", std::to_string(2 * kSide) + "x" + std::to_string(2 * kSide));
  }
  decode(image, in, [&] { image.read(blob); });

  try {
    image.quiet(true);   // from here on, warnings are no reason to fail
    image.autoOrient();  // EXIF orientation, before strip() drops the EXIF
    image.strip();       // EXIF, XMP, ICC, comments: nothing of the original but pixels
    if (image.matte()) {
      image.backgroundColor(Magick::Color("white"));
      image.alphaChannel(Magick::RemoveAlphaChannel);  // composite onto the background
    }
    image.colorSpace(Magick::sRGBColorspace);  // transforms (CMYK, grey ...)
    image.type(Magick::TrueColorType);
    image.page(Magick::Geometry(0, 0, 0, 0));  // a GIF frame's offset on its canvas
    Magick::Geometry fit(kSide, kSide);
    fit.greater(true);  // shrink only
    image.resize(fit);

    image.magick("JPEG");
    image.depth(8);
    image.quality(85);
    image.interlaceType(Magick::NoInterlace);
    Magick::Blob out;
    image.write(&out);
    return {static_cast<const char*>(out.data()), out.length()};
  } catch (const Magick::Exception& e) {
    throw refusal(e, in);
  }
}

#endif  // JABBERADMIN_HAVE_MAGICK

}  // namespace

std::string to_jpeg(std::string_view image_bytes) {
  if (image_bytes.size() > kMaxInputBytes) {
    throw invalid("file too large: " + std::to_string(image_bytes.size()) + " bytes, at most " +
                  std::to_string(kMaxInputBytes >> 20) + " MiB");
  }
  if (image_bytes.empty()) throw invalid("not an image or corrupt (empty)");
  const Format format = recognise(image_bytes);
#if JABBERADMIN_HAVE_MAGICK
  if (format.coder) return magick_to_jpeg(image_bytes, format);
  if (format.name) {
    throw invalid(std::string{"unsupported image format: "} + format.name +
                  " (accepted: JPEG, PNG, GIF, WebP, BMP, TIFF)");
  }
  throw invalid("not an image or corrupt (" + unknown_data(image_bytes) + ")");
#else
  if (format.coder && format.coder == "JPEG"sv) return detail::jpeg_to_jpeg(image_bytes);
  const std::string what = format.name ? std::string{"unsupported image format: "} + format.name
                                       : "not an image or corrupt (" + unknown_data(image_bytes) + ")";
  throw invalid(what + "; " + std::string{kNoMagick});
#endif
}

std::string from_file(const std::filesystem::path& path) {
  const auto fail = [&](const std::string& why) { return invalid(path.string() + ": " + why); };
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) throw fail("no such file");
  if (error) throw fail(error.message());
  if (std::filesystem::is_directory(status)) throw fail("is a directory, not an image file");
  if (std::filesystem::is_regular_file(status)) {
    const auto size = std::filesystem::file_size(path, error);
    if (!error && size > kMaxInputBytes) {
      throw fail("file too large: " + std::to_string(size) + " bytes, at most " +
                 std::to_string(kMaxInputBytes >> 20) + " MiB");
    }
  }

  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw fail(std::string{"cannot read: "} + std::strerror(errno));
  // Bounded even when the size could not be known first (a pipe, a growing file).
  std::string bytes;
  char chunk[64 * 1024];
  while (bytes.size() <= kMaxInputBytes) {
    const std::size_t got = std::fread(chunk, 1, sizeof chunk, file.get());
    bytes.append(chunk, got);
    if (got < sizeof chunk) break;
  }
  if (std::ferror(file.get())) throw fail(std::string{"cannot read: "} + std::strerror(errno));
  if (bytes.size() > kMaxInputBytes) {
    throw fail("file too large: more than " + std::to_string(kMaxInputBytes) + " bytes, at most " +
               std::to_string(kMaxInputBytes >> 20) + " MiB");
  }
  try {
    return to_jpeg(bytes);
  } catch (const Error& e) {
    throw Error{e.kind(), path.string() + ": " + e.what()};
  }
}

bool supports_any_format() noexcept {
#if JABBERADMIN_HAVE_MAGICK
  return true;
#else
  return false;
#endif
}

}  // namespace jabberadmin::avatar
