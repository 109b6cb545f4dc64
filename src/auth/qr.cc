#include "auth/qr.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace fg::auth {

namespace {
constexpr int kQuietZone = 4;  // modules of white around the symbol (ISO/IEC 18004)
// QR version 40 holds 2331 bytes at level M; refuse early what cannot fit.
constexpr size_t kMaxText = 2331;
}  // namespace

Result<std::string> QrSvg(std::string_view text) {
  if (text.empty()) return InvalidArgument("text", "nothing to encode");
  if (text.size() > kMaxText) return InvalidArgument("text", "too long for a QR code");
  std::string data(text);  // libqrencode wants NUL-terminated text; 8-bit mode keeps bytes
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(data.size()),
                        reinterpret_cast<const unsigned char*>(data.data()), 0, QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) {
    if (errno == ERANGE) return InvalidArgument("text", "too long for a QR code");
    return Internal("libqrencode failed to encode");
  }
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
      std::to_string(size) +
      "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
      "<path fill=\"#000\" d=\"";
  // One rectangle per horizontal run of dark modules keeps the path short.
  for (int y = 0; y < width; ++y) {
    int x = 0;
    while (x < width) {
      if ((code->data[y * width + x] & 1) == 0) {
        ++x;
        continue;
      }
      int start = x;
      while (x < width && (code->data[y * width + x] & 1) != 0) ++x;
      svg += "M" + std::to_string(start + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h" +
             std::to_string(x - start) + "v1h-" + std::to_string(x - start) + "z";
    }
  }
  svg += "\"/></svg>";
  return svg;
}

}  // namespace fg::auth
