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
  EXPECT_FALSE(can_thumbnail("image/heic"));
  EXPECT_TRUE(can_thumbnail("image/webp"));
}

}  // namespace
}  // namespace dropslot::api
