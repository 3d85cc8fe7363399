// The avatar path without Magick++: JPEG in, JPEG out, through libjpeg alone. Compiled in every
// build so it cannot rot unseen; only the build without Magick++ calls it.
//
// libjpeg reports errors through a callback that must not return; ours longjmps back into one
// of the small functions below that hold the setjmp. Nothing between a setjmp and libjpeg has
// a destructor to skip: C++ objects (buffers, the RAII owners) live in the callers.
#include "jabberadmin/avatar.hpp"

#include "jabberadmin/error.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <jpeglib.h>

#include <jerror.h>  // after jpeglib.h, which it needs

namespace jabberadmin::avatar::detail {
namespace {

// What libjpeg may allocate: a progressive JPEG keeps all its coefficients, 6 bytes a pixel.
constexpr long kMaxMemory = 256L << 20;
// Each scan of a progressive JPEG costs a pass over the image: a few bytes each can add up
// to minutes of work. Real encoders write about ten.
constexpr int kMaxScans = 256;

struct ErrorManager {
  jpeg_error_mgr pub;  // first, so libjpeg's pointer to it is a pointer to us
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
  bool too_many_scans;
};

[[noreturn]] void on_error(j_common_ptr info) {
  auto* err = reinterpret_cast<ErrorManager*>(info->err);
  info->err->format_message(info, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings are mostly quirks a viewer shows anyway; running out of data is not.
void on_message(j_common_ptr info, int level) {
  auto* err = reinterpret_cast<ErrorManager*>(info->err);
  if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
    err->truncated = true;
    std::longjmp(err->jump, 1);
  }
}

void on_progress(j_common_ptr info) {
  auto* d = reinterpret_cast<j_decompress_ptr>(info);
  if (d->input_scan_number > kMaxScans) {
    reinterpret_cast<ErrorManager*>(info->err)->too_many_scans = true;
    std::longjmp(reinterpret_cast<ErrorManager*>(info->err)->jump, 1);
  }
}

ErrorManager* install(ErrorManager& err) {
  jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.message[0] = '\0';
  err.truncated = false;
  err.too_many_scans = false;
  return &err;
}

struct Decoder {
  jpeg_decompress_struct info{};
  ErrorManager err{};
  jpeg_progress_mgr progress{};
  Decoder() { info.err = &install(err)->pub; }
  ~Decoder() { jpeg_destroy_decompress(&info); }  // safe on a struct never created: mem is null
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
};

struct Encoder {
  jpeg_compress_struct info{};
  ErrorManager err{};
  unsigned char* out = nullptr;  // jpeg_mem_dest's buffer, malloc'ed by libjpeg
  unsigned long out_size = 0;
  Encoder() { info.err = &install(err)->pub; }
  ~Encoder() {
    jpeg_destroy_compress(&info);
    std::free(out);
  }
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;
};

bool read_header(Decoder* d, const unsigned char* data, std::size_t size) {
  if (setjmp(d->err.jump)) return false;
  jpeg_create_decompress(&d->info);
  d->info.mem->max_memory_to_use = kMaxMemory;  // beyond it: "no backing store", an error
  d->progress.progress_monitor = on_progress;
  d->info.progress = &d->progress;
  jpeg_mem_src(&d->info, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&d->info, JPEG_APP0 + 1, 0xFFFF);  // EXIF, for the orientation
  jpeg_read_header(&d->info, TRUE);
  return true;
}

bool compute_output_size(Decoder* d) {
  if (setjmp(d->err.jump)) return false;
  jpeg_calc_output_dimensions(&d->info);
  return true;
}

bool read_pixels(Decoder* d, unsigned char* pixels, std::size_t stride) {
  if (setjmp(d->err.jump)) return false;
  jpeg_start_decompress(&d->info);
  while (d->info.output_scanline < d->info.output_height) {
    JSAMPROW row = pixels + d->info.output_scanline * stride;
    jpeg_read_scanlines(&d->info, &row, 1);
  }
  jpeg_finish_decompress(&d->info);
  return true;
}

bool write_jpeg(Encoder* e, const unsigned char* rgb, unsigned width, unsigned height) {
  if (setjmp(e->err.jump)) return false;
  jpeg_create_compress(&e->info);
  jpeg_mem_dest(&e->info, &e->out, &e->out_size);
  e->info.image_width = width;
  e->info.image_height = height;
  e->info.input_components = 3;
  e->info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&e->info);
  jpeg_set_quality(&e->info, 85, TRUE);
  e->info.optimize_coding = TRUE;       // smaller, and avatars are small enough for the extra pass
  jpeg_start_compress(&e->info, TRUE);  // writes JFIF APP0 and no other marker
  while (e->info.next_scanline < height) {
    auto row = const_cast<JSAMPROW>(rgb + std::size_t{e->info.next_scanline} * width * 3);
    jpeg_write_scanlines(&e->info, &row, 1);
  }
  jpeg_finish_compress(&e->info);
  return true;
}

// EXIF orientation (1..8) from an APP1 segment: "Exif\0\0", a TIFF header, IFD0's entries.
int exif_orientation(const jpeg_decompress_struct& info) {
  for (auto* m = info.marker_list; m; m = m->next) {
    const unsigned char* p = m->data;
    const std::size_t n = m->data_length;
    if (m->marker != JPEG_APP0 + 1 || n < 14 ||
        std::string_view(reinterpret_cast<const char*>(p), 6) != std::string_view("Exif\0\0", 6))
      continue;
    const unsigned char* tiff = p + 6;
    const std::size_t size = n - 6;
    const bool little = tiff[0] == 'I';
    const auto u16 = [&](std::size_t at) -> unsigned {
      return little ? tiff[at] | tiff[at + 1] << 8 : tiff[at] << 8 | tiff[at + 1];
    };
    const auto u32 = [&](std::size_t at) -> std::uint32_t {
      return little ? u16(at) | std::uint32_t{u16(at + 2)} << 16 : std::uint32_t{u16(at)} << 16 | u16(at + 2);
    };
    const std::size_t ifd = u32(4);
    if (ifd + 2 > size) continue;
    const unsigned entries = u16(ifd);
    for (unsigned i = 0; i < entries && ifd + 2 + 12 * (i + 1) <= size; ++i) {
      const std::size_t entry = ifd + 2 + 12 * i;
      if (u16(entry) == 0x0112 && u16(entry + 2) == 3) {  // Orientation, SHORT
        const unsigned value = u16(entry + 8);
        return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
      }
    }
  }
  return 1;
}

// Adobe writes CMYK JPEGs inverted; libjpeg does not convert CMYK to RGB itself.
void cmyk_to_rgb(std::vector<unsigned char>& px, bool inverted) {
  const std::size_t count = px.size() / 4;
  for (std::size_t i = 0; i < count; ++i) {
    unsigned c = px[4 * i], m = px[4 * i + 1], y = px[4 * i + 2], k = px[4 * i + 3];
    if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
    px[3 * i] = static_cast<unsigned char>(c * k / 255);
    px[3 * i + 1] = static_cast<unsigned char>(m * k / 255);
    px[3 * i + 2] = static_cast<unsigned char>(y * k / 255);
  }
  px.resize(count * 3);
}

// Box filter: each output pixel averages the source rectangle it covers. Shrinks only.
std::vector<unsigned char> shrink(const std::vector<unsigned char>& src, unsigned sw, unsigned sh,
                                  unsigned dw, unsigned dh) {
  std::vector<unsigned char> dst(std::size_t{dw} * dh * 3);
  for (unsigned y = 0; y < dh; ++y) {
    const unsigned y0 = static_cast<unsigned>(std::uint64_t{y} * sh / dh);
    const unsigned y1 = std::max(y0 + 1, static_cast<unsigned>(std::uint64_t{y + 1} * sh / dh));
    for (unsigned x = 0; x < dw; ++x) {
      const unsigned x0 = static_cast<unsigned>(std::uint64_t{x} * sw / dw);
      const unsigned x1 = std::max(x0 + 1, static_cast<unsigned>(std::uint64_t{x + 1} * sw / dw));
      std::uint64_t sum[3] = {};
      for (unsigned sy = y0; sy < y1; ++sy) {
        for (unsigned sx = x0; sx < x1; ++sx) {
          for (int c = 0; c < 3; ++c) sum[c] += src[(std::size_t{sy} * sw + sx) * 3 + c];
        }
      }
      const std::uint64_t area = std::uint64_t{y1 - y0} * (x1 - x0);
      for (int c = 0; c < 3; ++c)
        dst[(std::size_t{y} * dw + x) * 3 + c] = static_cast<unsigned char>((sum[c] + area / 2) / area);
    }
  }
  return dst;
}

// Applies EXIF orientation 2..8: 5..8 swap the axes (transpose), then mirror as the tag says.
std::vector<unsigned char> orient(const std::vector<unsigned char>& src, unsigned w, unsigned h,
                                  int orientation, unsigned& out_w, unsigned& out_h) {
  const bool swap = orientation >= 5;
  const bool mirror_x = orientation == 2 || orientation == 3 || orientation == 7 || orientation == 8;
  const bool mirror_y = orientation == 3 || orientation == 4 || orientation == 6 || orientation == 7;
  out_w = swap ? h : w;
  out_h = swap ? w : h;
  std::vector<unsigned char> dst(src.size());
  for (unsigned y = 0; y < out_h; ++y) {
    for (unsigned x = 0; x < out_w; ++x) {
      unsigned sx = swap ? y : x, sy = swap ? x : y;
      if (mirror_x) sx = w - 1 - sx;
      if (mirror_y) sy = h - 1 - sy;
      const std::size_t from = (std::size_t{sy} * w + sx) * 3, to = (std::size_t{y} * out_w + x) * 3;
      std::copy_n(&src[from], 3, &dst[to]);
    }
  }
  return dst;
}

Error invalid(const std::string& message) { return Error{ErrorKind::InvalidArgument, message}; }

Error decode_failure(const ErrorManager& err, const jpeg_decompress_struct& info) {
  if (err.truncated) return invalid("truncated image");
  if (err.too_many_scans) {
    return invalid("not an image or corrupt (more than " + std::to_string(kMaxScans) + " progressive scans)");
  }
  if (err.pub.msg_code == JERR_NO_BACKING_STORE || err.pub.msg_code == JERR_OUT_OF_MEMORY) {
    return invalid("image too large: " + std::to_string(info.image_width) + "x" +
                   std::to_string(info.image_height) + " pixels, more than libjpeg may use (" +
                   std::to_string(kMaxMemory >> 20) + " MiB of memory)");
  }
  return invalid(std::string{"not an image or corrupt ("} + err.message + ")");
}

}  // namespace

// Declared in avatar.cpp, its only caller.
std::string jpeg_to_jpeg(std::string_view jpeg_bytes) {
  Decoder d;
  if (!read_header(&d, reinterpret_cast<const unsigned char*>(jpeg_bytes.data()), jpeg_bytes.size())) {
    throw decode_failure(d.err, d.info);
  }
  // Before decoding: jpeg_finish_decompress frees the saved markers.
  const int orientation = exif_orientation(d.info);
  const bool adobe_cmyk = d.info.saw_Adobe_marker;
  const std::uint64_t width = d.info.image_width, height = d.info.image_height;
  if (width * height > kMaxInputPixels) {
    throw invalid("image too large: " + std::to_string(width) + "x" + std::to_string(height) +
                  " pixels, at most " + std::to_string(kMaxInputPixels) + " pixels");
  }
  // The size that fits kSide x kSide, aspect kept, never enlarged, never zero.
  const double scale = std::min({1.0, double{kSide} / width, double{kSide} / height});
  const unsigned fit_w = std::max(1u, static_cast<unsigned>(width * scale + 0.5));
  const unsigned fit_h = std::max(1u, static_cast<unsigned>(height * scale + 0.5));

  // libjpeg scales by 1/2, 1/4, 1/8 while decoding, almost for free: take the smallest that
  // still leaves at least the final size, and let the box filter do the rest.
  d.info.scale_num = 1;
  d.info.scale_denom = 1;
  for (unsigned denom : {8u, 4u, 2u}) {
    if ((width + denom - 1) / denom >= fit_w && (height + denom - 1) / denom >= fit_h) {
      d.info.scale_denom = denom;
      break;
    }
  }
  const bool cmyk = d.info.jpeg_color_space == JCS_CMYK || d.info.jpeg_color_space == JCS_YCCK;
  d.info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  const unsigned components = cmyk ? 4 : 3;
  if (!compute_output_size(&d)) throw decode_failure(d.err, d.info);
  if (d.info.output_components != static_cast<int>(components)) {
    throw invalid("not an image or corrupt (a JPEG with " + std::to_string(d.info.num_components) +
                  " colour components)");
  }
  const unsigned w = d.info.output_width, h = d.info.output_height;
  std::vector<unsigned char> pixels(std::size_t{w} * h * components);
  if (!read_pixels(&d, pixels.data(), std::size_t{w} * components)) throw decode_failure(d.err, d.info);
  if (cmyk) cmyk_to_rgb(pixels, adobe_cmyk);

  if (w != fit_w || h != fit_h) pixels = shrink(pixels, w, h, fit_w, fit_h);
  unsigned out_w = fit_w, out_h = fit_h;
  if (orientation != 1) {
    pixels = orient(pixels, fit_w, fit_h, orientation, out_w, out_h);
  }

  Encoder e;
  if (!write_jpeg(&e, pixels.data(), out_w, out_h)) {
    throw Error{ErrorKind::InvalidArgument, std::string{"cannot encode the avatar ("} + e.err.message + ")"};
  }
  return {reinterpret_cast<const char*>(e.out), e.out_size};
}

}  // namespace jabberadmin::avatar::detail
