// The server's thumbnails (thumbnailer.hpp): each decodable type to a JPEG whose longer
// edge is the asked one, and bytes that do not decode refused rather than crashing.
#include "thumbnailer.hpp"

#include <gtest/gtest.h>

#include <csetjmp>
#include <cstdio>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <png.h>
#include <webp/encode.h>

namespace dropslot::api {
namespace {

constexpr int w = 1200, h = 900;

std::vector<unsigned char> gradient() {
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = &px[(static_cast<std::size_t>(y) * w + x) * 3];
      p[0] = static_cast<unsigned char>(x * 255 / w);
      p[1] = static_cast<unsigned char>(y * 255 / h);
      p[2] = 128;
    }
  return px;
}

std::string png_of(const std::vector<unsigned char>& px) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = w;
  img.height = h;
  img.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  EXPECT_TRUE(png_image_write_to_memory(&img, nullptr, &size, 0, px.data(), 0, nullptr));
  std::string out(size, '\0');
  EXPECT_TRUE(png_image_write_to_memory(&img, out.data(), &size, 0, px.data(), 0, nullptr));
  out.resize(size);
  return out;
}

/// The width and height in a JPEG's header (libjpeg reads it).
std::pair<unsigned, unsigned> jpeg_size(const std::string& jpeg) {
  jpeg_decompress_struct info{};
  jpeg_error_mgr err{};
  info.err = jpeg_std_error(&err);
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(jpeg.data()), jpeg.size());
  jpeg_read_header(&info, TRUE);
  std::pair<unsigned, unsigned> out{info.image_width, info.image_height};
  jpeg_destroy_decompress(&info);
  return out;
}

/// PNG's chunk CRC (CRC-32, ISO 3309), so an edited header still checks out.
std::uint32_t crc32_of(const std::string& bytes, std::size_t from, std::size_t to) {
  std::uint32_t c = 0xffffffffu;
  for (std::size_t i = from; i < to; ++i) {
    c ^= static_cast<unsigned char>(bytes[i]);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

bool is_jpeg(const std::string& b) { return b.size() > 3 && b.compare(0, 3, "\xff\xd8\xff") == 0; }

TEST(thumbnailer, png_webp_and_jpeg_become_a_jpeg_of_the_asked_edge) {
  auto px = gradient();
  auto from_png = make_thumbnail("image/png", png_of(px), 320, 70);
  ASSERT_TRUE(from_png) << from_png.error().message();
  ASSERT_TRUE(is_jpeg(*from_png));
  EXPECT_EQ(jpeg_size(*from_png), (std::pair<unsigned, unsigned>{320, 240}));

  uint8_t* webp = nullptr;
  std::size_t n = WebPEncodeRGB(px.data(), w, h, w * 3, 80, &webp);
  ASSERT_GT(n, 0u);
  std::string webp_bytes(reinterpret_cast<const char*>(webp), n);
  WebPFree(webp);
  auto from_webp = make_thumbnail("image/webp", webp_bytes, 320, 70);
  ASSERT_TRUE(from_webp) << from_webp.error().message();
  EXPECT_EQ(jpeg_size(*from_webp), (std::pair<unsigned, unsigned>{320, 240}));

  // A JPEG (a large one made here), scaled by the DCT and then the box filter.
  auto big = make_thumbnail("image/png", png_of(px), 2000, 90);
  ASSERT_TRUE(big);
  EXPECT_EQ(jpeg_size(*big), (std::pair<unsigned, unsigned>{1200, 900}));  // never enlarged
  auto from_jpeg = make_thumbnail("image/jpeg", *big, 100, 70);
  ASSERT_TRUE(from_jpeg) << from_jpeg.error().message();
  EXPECT_EQ(jpeg_size(*from_jpeg), (std::pair<unsigned, unsigned>{100, 75}));
}

TEST(thumbnailer, bytes_that_do_not_decode_are_refused) {
  EXPECT_FALSE(make_thumbnail("image/jpeg", std::string("\xff\xd8\xff\xe0 not really", 15), 320, 70));
  EXPECT_FALSE(make_thumbnail("image/png", "\x89PNG\r\n\x1a\n but no more", 320, 70));
  EXPECT_FALSE(make_thumbnail("image/webp", "RIFF\x10\0\0\0WEBPVP8 ", 320, 70));
  EXPECT_FALSE(make_thumbnail("image/heic", "anything", 320, 70));
  // A decompression bomb: a valid PNG header declaring 30,000 x 30,000 pixels is
  // refused before any pixel memory is taken.
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = 1;
  img.height = 1;
  img.format = PNG_FORMAT_RGB;
  unsigned char one[3] = {1, 2, 3};
  png_alloc_size_t size = 0;
  ASSERT_TRUE(png_image_write_to_memory(&img, nullptr, &size, 0, one, 0, nullptr));
  std::string png(size, '\0');
  ASSERT_TRUE(png_image_write_to_memory(&img, png.data(), &size, 0, one, 0, nullptr));
  // IHDR's width and height are the 4-byte big-endian fields at offsets 16 and 20.
  for (int off : {16, 20}) {
    png[off] = 0;
    png[off + 1] = 0;
    png[off + 2] = static_cast<char>(30000 >> 8);
    png[off + 3] = static_cast<char>(30000 & 0xff);
  }
  std::uint32_t crc = crc32_of(png, 12, 29);  // IHDR's type and 13 data bytes
  for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<char>(crc >> (24 - 8 * i));
  auto bomb = make_thumbnail("image/png", png, 320, 70);
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error().detail, "the photo has too many pixels for a thumbnail");
  EXPECT_FALSE(can_thumbnail("image/heic"));
  EXPECT_TRUE(can_thumbnail("image/webp"));
}

}  // namespace
}  // namespace dropslot::api
