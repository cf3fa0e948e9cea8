#include "thumbnailer.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>

#include "dropslot/api/error.hpp"

namespace dropslot::api {

namespace {

enum class decoded { ok, bad, too_large };

/// Decoded pixels, 3 bytes (RGB) each, row after row.
struct rgb_image {
  std::uint32_t width = 0, height = 0;
  std::vector<unsigned char> pixels;
};

// Decompression bombs: a small file can declare a huge image. Decoded pixels are
// capped (25 MP of RGB is 75 MB) before any pixel memory is taken; a JPEG may
// declare more, up to 200 MP, since its DCT scaling decodes it at 1/8 the edge.
constexpr std::uint64_t max_decoded_pixels = 25'000'000;
constexpr std::uint64_t max_jpeg_pixels = 200'000'000;

error bad_image(const char* what) { return error{make_error_code(api_errc::invalid_field), what}; }

// libjpeg reports errors through a callback that must not return: longjmp back out
// (the documented way; no C++ object with a destructor lives between setjmp and it).
struct jpeg_failure {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};
[[noreturn]] void jpeg_fail(j_common_ptr info) { std::longjmp(reinterpret_cast<jpeg_failure*>(info->err)->jump, 1); }
void jpeg_quiet(j_common_ptr, int) {}

decoded decode_jpeg(std::string_view bytes, std::uint32_t edge, rgb_image& out) {
  jpeg_decompress_struct info{};
  jpeg_failure err{};
  info.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_quiet;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&info);
    return decoded::bad;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  if (std::uint64_t(info.image_width) * info.image_height > max_jpeg_pixels) {
    jpeg_destroy_decompress(&info);
    return decoded::too_large;
  }
  info.out_color_space = JCS_RGB;
  // The DCT can decode at 1/2, 1/4 or 1/8 size almost for free: the largest scale
  // that still leaves the longer edge at least `edge` pixels.
  std::uint32_t longer = std::max(info.image_width, info.image_height);
  info.scale_num = 1;
  info.scale_denom = 1;
  for (unsigned d : {8u, 4u, 2u})
    if (longer / d >= edge) {
      info.scale_denom = d;
      break;
    }
  jpeg_start_decompress(&info);
  if (std::uint64_t(info.output_width) * info.output_height > max_decoded_pixels) {
    jpeg_destroy_decompress(&info);
    return decoded::too_large;
  }
  out.width = info.output_width;
  out.height = info.output_height;
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height * 3);
  while (info.output_scanline < info.output_height) {
    unsigned char* row = out.pixels.data() + static_cast<std::size_t>(info.output_scanline) * out.width * 3;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return decoded::ok;
}

decoded decode_png(std::string_view bytes, rgb_image& out) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size())) return decoded::bad;
  img.format = PNG_FORMAT_RGB;  // alpha composed onto black by libpng's simplified API
  if (img.width == 0 || img.height == 0 || std::uint64_t(img.width) * img.height > max_decoded_pixels) {
    png_image_free(&img);
    return img.width && img.height ? decoded::too_large : decoded::bad;
  }
  out.width = img.width;
  out.height = img.height;
  out.pixels.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, out.pixels.data(), 0, nullptr)) {
    png_image_free(&img);
    return decoded::bad;
  }
  return decoded::ok;
}

decoded decode_webp(std::string_view bytes, rgb_image& out) {
  int w = 0, h = 0;
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (!WebPGetInfo(data, bytes.size(), &w, &h) || w <= 0 || h <= 0) return decoded::bad;
  if (std::uint64_t(w) * std::uint64_t(h) > max_decoded_pixels) return decoded::too_large;
  out.width = static_cast<std::uint32_t>(w);
  out.height = static_cast<std::uint32_t>(h);
  out.pixels.resize(static_cast<std::size_t>(w) * h * 3);
  return WebPDecodeRGBInto(data, bytes.size(), out.pixels.data(), out.pixels.size(), w * 3) ? decoded::ok
                                                                                              : decoded::bad;
}

/// Box-filter downscale so the longer edge is at most `edge` (an area average: no
/// aliasing from the large steps a photo-to-thumbnail reduction takes).
rgb_image shrink(const rgb_image& in, std::uint32_t edge) {
  std::uint32_t longer = std::max(in.width, in.height);
  if (longer <= edge) return in;
  rgb_image out;
  out.width = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::uint64_t(in.width) * edge / longer));
  out.height = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::uint64_t(in.height) * edge / longer));
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height * 3);
  for (std::uint32_t y = 0; y < out.height; ++y) {
    std::uint32_t y0 = static_cast<std::uint32_t>(std::uint64_t(y) * in.height / out.height);
    std::uint32_t y1 = std::max(y0 + 1, static_cast<std::uint32_t>(std::uint64_t(y + 1) * in.height / out.height));
    for (std::uint32_t x = 0; x < out.width; ++x) {
      std::uint32_t x0 = static_cast<std::uint32_t>(std::uint64_t(x) * in.width / out.width);
      std::uint32_t x1 = std::max(x0 + 1, static_cast<std::uint32_t>(std::uint64_t(x + 1) * in.width / out.width));
      std::uint64_t sum[3] = {0, 0, 0};
      for (std::uint32_t yy = y0; yy < y1; ++yy)
        for (std::uint32_t xx = x0; xx < x1; ++xx)
          for (int c = 0; c < 3; ++c) sum[c] += in.pixels[(static_cast<std::size_t>(yy) * in.width + xx) * 3 + c];
      std::uint64_t n = std::uint64_t(y1 - y0) * (x1 - x0);
      for (int c = 0; c < 3; ++c)
        out.pixels[(static_cast<std::size_t>(y) * out.width + x) * 3 + c] = static_cast<unsigned char>(sum[c] / n);
    }
  }
  return out;
}

bool encode_jpeg(const rgb_image& img, int quality, std::string& out) {
  jpeg_compress_struct info{};
  jpeg_failure err{};
  info.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_quiet;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&info);
    std::free(buffer);
    return false;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = img.width;
  info.image_height = img.height;
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    auto* row = const_cast<unsigned char*>(img.pixels.data()) + static_cast<std::size_t>(info.next_scanline) * img.width * 3;
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  out.assign(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return true;
}

}  // namespace

bool can_thumbnail(std::string_view t) noexcept { return t == "image/jpeg" || t == "image/png" || t == "image/webp"; }

result<std::string> make_thumbnail(std::string_view content_type, std::string_view bytes, std::uint32_t edge,
                                   int quality) {
  if (edge == 0) return fail(bad_image("the thumbnail edge must be at least 1 pixel"));
  rgb_image img;
  decoded d = content_type == "image/jpeg"   ? decode_jpeg(bytes, edge, img)
              : content_type == "image/png"  ? decode_png(bytes, img)
              : content_type == "image/webp" ? decode_webp(bytes, img)
                                             : decoded::bad;
  if (d == decoded::too_large) return fail(bad_image("the photo has too many pixels for a thumbnail"));
  if (d != decoded::ok) return fail(bad_image("the photo could not be decoded"));
  std::string out;
  if (!encode_jpeg(shrink(img, edge), std::clamp(quality, 1, 100), out)) return fail(bad_image("encoding failed"));
  return out;
}

}  // namespace dropslot::api
