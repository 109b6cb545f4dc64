// libFuzzer target: bytes from a client, through everything that reads them before a handler
// does: the HTTP/1 request parser, the request-target decoder, the header and cookie readers.
// Built with clang -fsanitize=fuzzer,address,undefined; the corpus beside it is replayed by
// tests/unit/http (HttpFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/internal/request_parser.h"
#include "http/internal/wire.h"
#include "http/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fg::http::Request request;

  // As a keep-alive connection does: messages back to back, one reused Request.
  size_t offset = 0;
  for (int message = 0; message < 4 && offset < input.size(); ++message) {
    fg::http::internal::RequestParser parser(request);
    parser.header_limit(4 << 10);
    parser.body_limit(64 << 10);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done() && offset < input.size()) {
      size_t used =
          parser.put(boost::asio::const_buffer(input.data() + offset, input.size() - offset), ec);
      offset += used;
      if (ec || used == 0) break;
    }
    if (ec || !parser.is_header_done()) break;
    if (fg::http::internal::ParseTarget(request)) {
      (void)request.Query("limit");
    }
    (void)request.Header("host");
    (void)request.Cookie("fg_session");
    if (!parser.is_done()) break;
  }

  // The decoders on their own, without HTTP framing in the way.
  fg::http::Request bare;
  bare.target.assign(input);
  (void)fg::http::internal::ParseTarget(bare);
  std::string decoded;
  (void)fg::http::internal::PercentDecode(input, decoded, true);
  (void)fg::http::internal::IsSafeHeader(input, input);
  bare.headers.emplace_back("cookie", std::string(input));
  (void)bare.Cookie("csrf");
  return 0;
}
