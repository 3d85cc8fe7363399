// avatar::to_jpeg and from_file on real images (tests/data/images, made by make-images.sh).
// Every output is decoded again with libjpeg and checked: size, aspect, colours where they
// should be, and the markers it carries.
#include "jabberadmin/avatar.hpp"

#include "jabberadmin/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <jpeglib.h>
#include <unistd.h>

namespace jabberadmin::avatar {
namespace {

namespace fs = std::filesystem;

fs::path image_path(const std::string& name) { return fs::path(JABBERADMIN_TEST_DATA) / "images" / name; }

std::string read_image(const std::string& name) {
  std::ifstream in(image_path(name), std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- decoding the output with libjpeg ----------------------------------------------------

struct Rgb {
  int r, g, b;
};
std::ostream& operator<<(std::ostream& os, Rgb c) {
  return os << "rgb(" << c.r << "," << c.g << "," << c.b << ")";
}

struct Decoded {
  unsigned width = 0, height = 0;
  int components = 0;
  std::vector<unsigned char> rgb;
  Rgb at(unsigned x, unsigned y) const {
    const std::size_t i = (std::size_t{y} * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

struct JumpingErrors {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
};
[[noreturn]] void jump_on_error(j_common_ptr info) {
  std::longjmp(reinterpret_cast<JumpingErrors*>(info->err)->jump, 1);
}

// No C++ object with a destructor lives in this frame: the caller owns `out`.
bool decode_into(const std::string& jpeg, Decoded* out, jpeg_decompress_struct* info, JumpingErrors* err) {
  info->err = jpeg_std_error(&err->pub);
  err->pub.error_exit = jump_on_error;
  if (setjmp(err->jump)) return false;
  jpeg_create_decompress(info);
  jpeg_mem_src(info, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size());
  jpeg_read_header(info, TRUE);
  out->components = info->num_components;
  info->out_color_space = JCS_RGB;
  jpeg_start_decompress(info);
  out->width = info->output_width;
  out->height = info->output_height;
  out->rgb.resize(std::size_t{out->width} * out->height * 3);
  while (info->output_scanline < info->output_height) {
    JSAMPROW row = out->rgb.data() + std::size_t{info->output_scanline} * out->width * 3;
    jpeg_read_scanlines(info, &row, 1);
  }
  jpeg_finish_decompress(info);
  return true;
}

Decoded decode(const std::string& jpeg) {
  Decoded out;
  jpeg_decompress_struct info{};
  JumpingErrors err{};
  const bool ok = decode_into(jpeg, &out, &info, &err);
  jpeg_destroy_decompress(&info);
  EXPECT_TRUE(ok) << "the output is not a JPEG libjpeg can decode";
  return out;
}

// The marker codes before the image data (SOS): APPn, COM, DQT, SOF ...
std::vector<int> markers(const std::string& jpeg) {
  std::vector<int> found;
  std::size_t at = 2;
  while (at + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[at]) == 0xFF) {
    const int marker = static_cast<unsigned char>(jpeg[at + 1]);
    found.push_back(marker);
    if (marker == 0xDA) break;
    at += 2 + (static_cast<unsigned char>(jpeg[at + 2]) << 8 | static_cast<unsigned char>(jpeg[at + 3]));
  }
  return found;
}
bool has_marker(const std::string& jpeg, int marker) {
  const auto m = markers(jpeg);
  return std::find(m.begin(), m.end(), marker) != m.end();
}
constexpr int kApp1 = 0xE1, kApp2 = 0xE2, kApp13 = 0xED, kCom = 0xFE;

// Colours after JPEG's loss: near enough, and far from the others we use.
bool is_red(Rgb c) { return c.r > 200 && c.g < 70 && c.b < 70; }
bool is_white(Rgb c) { return c.r > 220 && c.g > 220 && c.b > 220; }
bool is_blue(Rgb c) { return c.r < 70 && c.g < 70 && c.b > 180; }
bool is_yellow(Rgb c) { return c.r > 200 && c.g > 200 && c.b < 70; }
bool is_green(Rgb c) { return c.r < 70 && c.g > 90 && c.b < 70; }

// Checks every output shares: a JPEG, within bounds, 3 components, no metadata markers.
Decoded expect_avatar(const std::string& jpeg, unsigned width, unsigned height) {
  EXPECT_GE(jpeg.size(), 3u);
  EXPECT_EQ(jpeg.substr(0, 3), std::string("\xFF\xD8\xFF")) << "JPEG magic";
  EXPECT_FALSE(has_marker(jpeg, kApp1)) << "EXIF/XMP (APP1) must be stripped";
  EXPECT_FALSE(has_marker(jpeg, kApp2)) << "ICC profile (APP2) must be stripped";
  EXPECT_FALSE(has_marker(jpeg, kApp13)) << "Photoshop IPTC (APP13) must be stripped";
  EXPECT_FALSE(has_marker(jpeg, kCom)) << "comments must be stripped";
  Decoded image = decode(jpeg);
  EXPECT_EQ(image.width, width);
  EXPECT_EQ(image.height, height);
  EXPECT_LE(image.width, kSide);
  EXPECT_LE(image.height, kSide);
  EXPECT_EQ(image.components, 3) << "an sRGB colour JPEG";
  return image;
}

// Runs `convert` and returns the Error it throws; fails the test if none.
template <typename Convert>
Error refusal(Convert&& convert) {
  try {
    convert();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error thrown";
  return Error{ErrorKind::Usage, "no error thrown"};
}

#define EXPECT_REFUSED(expr, text)                                      \
  do {                                                                  \
    const Error error_ = refusal([&] { (void)(expr); });                \
    EXPECT_EQ(error_.kind(), ErrorKind::InvalidArgument);               \
    EXPECT_NE(std::string(error_.what()).find(text), std::string::npos) \
        << "message: " << error_.what() << "\nwanted: " << (text);      \
  } while (false)

const std::string kNoMagick = "only JPEG images are supported: this build has no ImageMagick (Magick++)";

// ---- JPEG input: every build -------------------------------------------------------------

TEST(Avatar, JpegIsShrunkToFitWithItsAspectKept) {
  const Decoded out = expect_avatar(to_jpeg(read_image("photo.jpg")), 96, 64);  // 300x200
  EXPECT_PRED1(is_yellow, out.at(48, 10));
  EXPECT_PRED1(is_blue, out.at(48, 54));
}

TEST(Avatar, MetadataOfTheInputIsNotCarriedOver) {
  const std::string input = read_image("photo.jpg");
  ASSERT_TRUE(has_marker(input, kApp1)) << "the fixture must carry EXIF";
  ASSERT_TRUE(has_marker(input, kCom)) << "the fixture must carry a comment";
  const std::string out = to_jpeg(input);
  EXPECT_FALSE(has_marker(out, kApp1));
  EXPECT_FALSE(has_marker(out, kCom));
  EXPECT_EQ(out.find("Test Artist"), std::string::npos);
  EXPECT_EQ(out.find("secret comment"), std::string::npos);
}

TEST(Avatar, ExifOrientationSixTurnsALandscapeIntoAPortrait) {
  // Stored 200x100 with the left half red; Orientation=6 shows it turned clockwise.
  const Decoded out = expect_avatar(to_jpeg(read_image("rotated.jpg")), 48, 96);
  EXPECT_PRED1(is_red, out.at(24, 20)) << "the stored left half is on top";
  EXPECT_PRED1(is_white, out.at(24, 76)) << "the stored right half is below";
}

class EveryExifOrientation : public testing::TestWithParam<int> {};

TEST_P(EveryExifOrientation, ShowsTheSamePicture) {
  // Each file is stored transformed so that its Orientation tag shows the same 200x100
  // picture: white, with the top-left quadrant red.
  const std::string name = "orientation-" + std::to_string(GetParam()) + ".jpg";
  const Decoded out = expect_avatar(to_jpeg(read_image(name)), 96, 48);
  EXPECT_PRED1(is_red, out.at(10, 10)) << "top left";
  EXPECT_PRED1(is_white, out.at(85, 10)) << "top right";
  EXPECT_PRED1(is_white, out.at(10, 38)) << "bottom left";
  EXPECT_PRED1(is_white, out.at(85, 38)) << "bottom right";
}
INSTANTIATE_TEST_SUITE_P(Avatar, EveryExifOrientation, testing::Range(1, 9));

TEST(Avatar, CmykJpegComesOutAsRgb) {
  const Decoded out = expect_avatar(to_jpeg(read_image("cmyk.jpg")), 64, 64);
  EXPECT_PRED1(is_red, out.at(32, 32));
}

TEST(Avatar, SmallImagesAreNotEnlarged) {
  expect_avatar(to_jpeg(read_image("cmyk.jpg")), 64, 64);
  expect_avatar(to_jpeg(to_jpeg(read_image("photo.jpg"))), 96, 64);  // and a second pass keeps it
}

TEST(Avatar, AThinImageKeepsAtLeastOneRow) {
  const Decoded out = expect_avatar(to_jpeg(read_image("wide.jpg")), 96, 1);  // 400x4
  EXPECT_PRED1(is_green, out.at(48, 0));
}

TEST(Avatar, ProgressiveJpegIsDecoded) {
  const Decoded out = expect_avatar(to_jpeg(read_image("progressive.jpg")), 32, 32);
  EXPECT_PRED1(is_red, out.at(16, 16));
}

TEST(Avatar, JpegWithThousandsOfScansIsRefused) {
  // Every scan of a progressive JPEG is a pass over the image, and a scan costs 11 bytes:
  // repeating the last one 1100 times makes a small file that costs minutes on a big image.
  const std::string jpeg = read_image("progressive.jpg");
  const std::size_t last_scan = jpeg.rfind("\xFF\xDA"), end = jpeg.rfind("\xFF\xD9");
  ASSERT_NE(last_scan, std::string::npos);
  ASSERT_EQ(end, jpeg.size() - 2);
  std::string bomb = jpeg.substr(0, end);
  for (int i = 0; i < 1100; ++i) bomb += jpeg.substr(last_scan, end - last_scan);
  bomb += jpeg.substr(end);
  EXPECT_REFUSED(to_jpeg(bomb), "scans)");
}

TEST(Avatar, ProgressiveJpegNeedingTooMuchMemoryIsRefused) {
  // A progressive JPEG is decoded whole before any scaling: 8000x8000 at 4:4:4 needs 384 MB
  // of coefficients, under the pixel limit but over the memory libjpeg is given.
  std::string jpeg = read_image("progressive.jpg");
  const auto sof = jpeg.find("\xFF\xC2");
  ASSERT_NE(sof, std::string::npos);
  jpeg.replace(sof + 5, 4, std::string("\x1F\x40\x1F\x40", 4));  // height, width: 8000
  EXPECT_REFUSED(to_jpeg(jpeg), "image too large: 8000x8000 pixels, more than");
}

TEST(Avatar, TruncatedJpegIsRefused) {
  EXPECT_REFUSED(to_jpeg(read_image("truncated.jpg")), "truncated image");
}

TEST(Avatar, JpegClaimingTwentyThousandSquaredIsRefusedFromItsHeader) {
  std::string jpeg = read_image("photo.jpg");
  const auto sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpeg.replace(sof + 5, 4, std::string("\x4E\x20\x4E\x20", 4));  // height, width: 20000
  EXPECT_REFUSED(to_jpeg(jpeg), "image too large: 20000x20000 pixels, at most 67108864 pixels");
}

TEST(Avatar, InputOverEightMiBIsRefusedBeforeDecoding) {
  std::string big = read_image("photo.jpg");
  big.resize(kMaxInputBytes + 1, '\0');
  EXPECT_REFUSED(to_jpeg(big), "file too large: 8388609 bytes, at most 8 MiB");
  big.resize(kMaxInputBytes);  // at the limit: decoded (padding after the image is ignored)
  expect_avatar(to_jpeg(big), 96, 64);
}

TEST(Avatar, EmptyInputIsRefused) { EXPECT_REFUSED(to_jpeg(""), "not an image or corrupt (empty)"); }

TEST(Avatar, ConversionsRunConcurrently) {
  const std::string input = read_image("rotated.jpg");
  const std::string expected = to_jpeg(input);
  std::vector<std::string> outputs(4);
  std::vector<std::thread> threads;
  for (auto& out : outputs) threads.emplace_back([&] { out = to_jpeg(input); });
  for (auto& t : threads) t.join();
  for (const auto& out : outputs) EXPECT_EQ(out, expected);
}

// ---- other formats: any with Magick++, refused by name without ------------------------------

TEST(Avatar, PngAlphaIsFlattenedOntoWhite) {
  const std::string png = read_image("alpha.png");  // 120x80, left transparent, right blue
  if (!supports_any_format()) {
    EXPECT_REFUSED(to_jpeg(png), "unsupported image format: PNG; " + kNoMagick);
    return;
  }
  const Decoded out = expect_avatar(to_jpeg(png), 96, 64);
  EXPECT_PRED1(is_white, out.at(20, 32));
  EXPECT_PRED1(is_blue, out.at(76, 32));
}

TEST(Avatar, AnimatedGifGivesItsFirstFrame) {
  const std::string gif = read_image("animated.gif");  // 60x40: red, then green
  if (!supports_any_format()) {
    EXPECT_REFUSED(to_jpeg(gif), "unsupported image format: GIF; " + kNoMagick);
    return;
  }
  const Decoded out = expect_avatar(to_jpeg(gif), 60, 40);
  EXPECT_PRED1(is_red, out.at(30, 20));
}

TEST(Avatar, BmpTiffAndWebpAreAccepted) {
  for (const char* name : {"small.bmp", "small.tiff", "small.webp"}) {
    SCOPED_TRACE(name);
    const std::string input = read_image(name);
    if (!supports_any_format()) {
      EXPECT_REFUSED(to_jpeg(input), kNoMagick);
      continue;
    }
    const Decoded out = expect_avatar(to_jpeg(input), 16, 16);
    EXPECT_GT(out.at(8, 8).g, 200);
  }
}

TEST(Avatar, PngBombIsRefusedFromItsHeader) {
  // 9000x9000: complete, 10 KB, 81 megapixels. 30000x30000: over every limit ImageMagick has.
  if (!supports_any_format()) {
    EXPECT_REFUSED(to_jpeg(read_image("bomb-9000x9000.png")), kNoMagick);
    return;
  }
  EXPECT_REFUSED(to_jpeg(read_image("bomb-9000x9000.png")),
                 "image too large: 9000x9000 pixels, at most 67108864 pixels");
  EXPECT_REFUSED(to_jpeg(read_image("bomb-30000x30000.png")), "image too large: 30000x30000 pixels");
}

// Found by the avatar fuzz target: 36 bytes of lossless WebP whose header claims 12048x8208.
// ImageMagick's ping of a WebP decodes the whole picture (seconds, and ~1 GiB at 16-bit
// quanta) before anything could refuse it, so the size is read from the header first, as for
// PNG. The same for the extended (VP8X) and lossy (VP8) headers.
TEST(Avatar, WebpBombIsRefusedFromItsHeader) {
  const auto bytes = [](std::initializer_list<int> list) {
    std::string out;
    for (int b : list) out += static_cast<char>(b);
    return out;
  };
  const std::string riff = bytes({'R', 'I', 'F', 'F', 0x1c, 0, 0, 0, 'W', 'E', 'B', 'P'});
  // VP8L: 0x2f, then width-1 and height-1 in 14 bits each.
  const std::string lossless = riff + bytes({'V', 'P', '8', 'L', 0x0f, 0, 0, 0, 0x2f, 0x0f, 0xef, 0x03, 0x08, 0x07,
                                             0xd3, 0xff, 0x88, 0xfe, 0x07, 0x22, 0xa2, 0xff, 0x01, 0x00});
  // VP8X: flags, three reserved bytes, then canvas width-1 and height-1 in 24 bits each.
  const std::string extended =
      riff + bytes({'V', 'P', '8', 'X', 0x0a, 0, 0, 0, 0, 0, 0, 0, 0x1f, 0x4e, 0x00, 0x1f, 0x4e, 0x00});
  // VP8: a key frame's tag, the start code 9d 01 2a, then width and height in 14 bits each.
  const std::string lossy = riff + bytes({'V', 'P', '8', ' ', 0x10, 0, 0, 0, 0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a,
                                          0xff, 0x3f, 0xff, 0x3f});
  if (!supports_any_format()) {
    EXPECT_REFUSED(to_jpeg(lossless), kNoMagick);
    return;
  }
  EXPECT_REFUSED(to_jpeg(lossless), "image too large: 12048x8208 pixels, at most 67108864 pixels");
  EXPECT_REFUSED(to_jpeg(extended), "image too large: 20000x20000 pixels, at most 67108864 pixels");
  EXPECT_REFUSED(to_jpeg(lossy), "image too large: 16383x16383 pixels, at most 67108864 pixels");
}

TEST(Avatar, ResourceLimitsRefuseWhatTheHeaderCheckLetsThrough) {
  // 7000x7000 is under kMaxInputPixels, but its pixel cache would not fit the memory the
  // library allows ImageMagick: refused by ResourceLimits, not by the header check.
  if (!supports_any_format()) GTEST_SKIP() << "no ImageMagick in this build";
#if !defined(MAGICKCORE_QUANTUM_DEPTH) || MAGICKCORE_QUANTUM_DEPTH < 16
  GTEST_SKIP() << "only an ImageMagick with 16-bit quanta needs more than 256 MiB for it";
#endif
  EXPECT_REFUSED(to_jpeg(read_image("bomb-7000x7000.png")),
                 "image too large: 7000x7000 pixels, more than ImageMagick's resource limits allow");
}

TEST(Avatar, CorruptPngIsRefused) {
  const std::string png = read_image("corrupt.png");
  if (!supports_any_format()) {
    EXPECT_REFUSED(to_jpeg(png), "unsupported image format: PNG; " + kNoMagick);
    return;
  }
  EXPECT_REFUSED(to_jpeg(png), "not an image or corrupt (");
}

TEST(Avatar, TextIsNotAnImage) {
  EXPECT_REFUSED(to_jpeg(read_image("text.txt")), "not an image or corrupt (it is text)");
  EXPECT_REFUSED(to_jpeg("#!/bin/sh\ncat <<EOF\n<svg/>\nEOF\n"), "not an image or corrupt (it is text)");
  EXPECT_REFUSED(to_jpeg(std::string("\x01\x02\x03\x04", 4)), "not an image or corrupt (unrecognised data)");
}

// Vector, document and script formats run code or fetch files: refused by name before any
// decoder sees them (both builds say "unsupported image format: NAME").
TEST(Avatar, SvgIsRefusedByName) {
  EXPECT_REFUSED(to_jpeg(read_image("vector.svg")), "unsupported image format: SVG");
}

TEST(Avatar, DocumentAndScriptFormatsAreRefusedByName) {
  EXPECT_REFUSED(to_jpeg("%PDF-1.4\n1 0 obj\n"), "unsupported image format: PDF");
  EXPECT_REFUSED(to_jpeg("%!PS-Adobe-3.0 EPSF-3.0\n"), "unsupported image format: PostScript");
  EXPECT_REFUSED(to_jpeg("push graphic-context\nviewbox 0 0 1 1\n"), "unsupported image format: MVG");
  const std::string heic("\0\0\0\030ftypheic", 12);  // an ISO box "ftyp" of brand "heic"
  EXPECT_REFUSED(to_jpeg(heic), "unsupported image format: HEIF/AVIF");
}

TEST(Avatar, ImageMagickScriptsAreNeverRun) {
  // Were ImageMagick to guess the format from the content, this MSL would write a file.
  const fs::path written = fs::temp_directory_path() / ("avatar-msl-" + std::to_string(::getpid()) + ".png");
  const std::string msl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<image>\n<read filename=\"" +
                          image_path("photo.jpg").string() + "\"/>\n<write filename=\"" + written.string() +
                          "\"/>\n</image>\n";
  EXPECT_REFUSED(to_jpeg(msl), "not an image or corrupt (it is text)");
  EXPECT_FALSE(fs::exists(written));
}

// ---- from_file --------------------------------------------------------------------------

class AvatarFile : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("avatar-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AvatarFile, ConvertsTheFileLikeItsBytes) {
  EXPECT_EQ(from_file(image_path("rotated.jpg")), to_jpeg(read_image("rotated.jpg")));
}

TEST_F(AvatarFile, MissingFileIsNamed) {
  const fs::path missing = dir_ / "nope.jpg";
  EXPECT_REFUSED(from_file(missing), missing.string() + ": no such file");
}

TEST_F(AvatarFile, DirectoryIsNamed) { EXPECT_REFUSED(from_file(dir_), dir_.string() + ": is a directory"); }

TEST_F(AvatarFile, UnreadableFileIsNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const fs::path file = dir_ / "secret.jpg";
  fs::copy_file(image_path("photo.jpg"), file);
  fs::permissions(file, fs::perms::none);
  EXPECT_REFUSED(from_file(file), file.string() + ": cannot read: Permission denied");
}

TEST_F(AvatarFile, LargeFileIsRefusedWithoutReadingIt) {
  const fs::path file = dir_ / "huge.jpg";
  { std::ofstream(file) << "\xFF\xD8\xFF"; }
  fs::resize_file(file, 9 * 1024 * 1024);  // sparse
  EXPECT_REFUSED(from_file(file), file.string() + ": file too large: 9437184 bytes, at most 8 MiB");
}

TEST_F(AvatarFile, ContentErrorsNameTheFile) {
  const fs::path text = image_path("text.txt");
  EXPECT_REFUSED(from_file(text), text.string() + ": not an image or corrupt (it is text)");
}

}  // namespace
}  // namespace jabberadmin::avatar
