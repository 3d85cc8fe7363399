// Any image -> a bounded JPEG for jpegPhoto. With Magick++ every format ImageMagick
// reads is accepted; built without it, JPEG input only (through libjpeg), and the error
// for anything else says so.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace jabberadmin::avatar {

inline constexpr std::size_t kMaxInputBytes = 8 * 1024 * 1024;   // refused above this
inline constexpr std::size_t kMaxInputPixels = 64 * 1024 * 1024; // decompression bombs
inline constexpr unsigned kSide = 96;                            // result fits kSide x kSide

// Converts image bytes to a JPEG that fits kSide x kSide: aspect kept, EXIF orientation
// applied, metadata stripped. Throws Error(InvalidArgument) naming the problem for
// corrupt, truncated, unsupported, oversized or bomb-sized input.
std::string to_jpeg(std::string_view image_bytes);
// Reads the file (bounded) and converts it; the error names the file.
std::string from_file(const std::filesystem::path& path);

// True when the library was built with Magick++ (any format) rather than libjpeg only.
bool supports_any_format() noexcept;

}  // namespace jabberadmin::avatar
