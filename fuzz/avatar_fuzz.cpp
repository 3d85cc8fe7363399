// libFuzzer target for the avatar path (cl-useradd -i, cl-usermod -i): image bytes from
// anyone, through the format check and Magick++ to a small JPEG. The process runs under a
// policy stricter than the library's own: only the JPEG, PNG, GIF and WebP coders, no
// delegates, and limits on width, height, area, memory and disk, so a decompression bomb
// shows as a refusal, not as an out-of-memory kill. Invariants:
//   - any bytes: to_jpeg returns or throws jabberadmin::Error, nothing else;
//   - what it returns is a JPEG that is itself accepted, and converting it again gives a
//     JPEG no larger than kSide on either side (checked through the same path).
#include <Magick++.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "jabberadmin/avatar.hpp"
#include "jabberadmin/error.hpp"

using namespace jabberadmin;

namespace {

// Resource values in a policy are ceilings: the library's own ResourceLimits calls cannot
// raise them. Set before the library's first use, so its own (wider) policy is not applied.
constexpr const char* kFuzzPolicy = R"(<policymap>
  <policy domain="resource" name="width" value="8KP"/>
  <policy domain="resource" name="height" value="8KP"/>
  <policy domain="resource" name="area" value="64MP"/>
  <policy domain="resource" name="memory" value="256MiB"/>
  <policy domain="resource" name="map" value="0"/>
  <policy domain="resource" name="disk" value="0"/>
  <policy domain="system" name="max-memory-request" value="256MiB"/>
  <policy domain="delegate" rights="none" pattern="*"/>
  <policy domain="path" rights="none" pattern="@*"/>
  <policy domain="coder" rights="none" pattern="*"/>
  <policy domain="coder" rights="read|write" pattern="{JPEG,PNG,GIF,WEBP}"/>
</policymap>)";

bool is_jpeg(std::string_view bytes) { return bytes.size() > 3 && bytes.substr(0, 3) == "\xFF\xD8\xFF"; }

// Width and height from the JPEG's first start-of-frame marker.
bool jpeg_size(std::string_view b, unsigned& width, unsigned& height) {
  for (std::size_t i = 2; i + 9 < b.size();) {
    if (static_cast<unsigned char>(b[i]) != 0xFF) return false;
    const auto marker = static_cast<unsigned char>(b[i + 1]);
    const std::size_t length = (static_cast<unsigned char>(b[i + 2]) << 8) | static_cast<unsigned char>(b[i + 3]);
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      height = (static_cast<unsigned char>(b[i + 5]) << 8) | static_cast<unsigned char>(b[i + 6]);
      width = (static_cast<unsigned char>(b[i + 7]) << 8) | static_cast<unsigned char>(b[i + 8]);
      return true;
    }
    i += 2 + length;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Magick::InitializeMagick(nullptr);
  MagickCore::ExceptionInfo* exception = MagickCore::AcquireExceptionInfo();
  if (MagickCore::SetMagickSecurityPolicy(kFuzzPolicy, exception) == MagickCore::MagickFalse) std::abort();
  MagickCore::DestroyExceptionInfo(exception);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string jpeg;
  try {
    jpeg = avatar::to_jpeg(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const Error&) {
    return 0;
  }
  unsigned width = 0, height = 0;
  if (!is_jpeg(jpeg) || !jpeg_size(jpeg, width, height)) std::abort();
  if (width == 0 || height == 0 || width > avatar::kSide || height > avatar::kSide) std::abort();
  std::string again;
  try {
    again = avatar::to_jpeg(jpeg);
  } catch (const Error& e) {
    std::abort();  // our own output refused
  }
  unsigned w2 = 0, h2 = 0;
  if (!jpeg_size(again, w2, h2) || w2 != width || h2 != height) std::abort();
  return 0;
}
