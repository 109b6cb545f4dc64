// RequestParser: Beast's HTTP/1 request grammar, writing straight into an http::Request.
//
// Private to src/http. Beast checks the syntax, the header and body limits and the framing
// (Content-Length, chunked); this class only stores what it is handed, so a keep-alive
// connection can reuse one Request (and its strings' capacity) for every message. Header
// names are lower-cased; chunked trailers are dropped, never merged into the headers.
// Thread-safety: one parser per message, used by one thread at a time.
//
//   internal::RequestParser parser(request);
//   parser.header_limit(16 << 10);
//   co_await beast::http::async_read(stream, buffer, parser, token);
#pragma once

// GCC 12 with -fsanitize reports a false -Wmaybe-uninitialized inside Beast's parser
// (a boost::optional<uint64_t>) where put() is inlined; it is not ours to fix.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/beast/http/basic_parser.hpp>
#pragma GCC diagnostic pop
#include <cstddef>
#include <cstdint>

#include "http/internal/wire.h"
#include "http/message.h"

namespace fg::http::internal {

inline Method ToMethod(boost::beast::http::verb method) {
  using boost::beast::http::verb;
  switch (method) {
    case verb::get:
      return Method::kGet;
    case verb::head:
      return Method::kHead;
    case verb::post:
      return Method::kPost;
    case verb::put:
      return Method::kPut;
    case verb::patch:
      return Method::kPatch;
    case verb::delete_:
      return Method::kDelete;
    case verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  explicit RequestParser(Request& request) : request_(request) {}

  int version() const { return version_; }  // 10 or 11 (or what the client claimed)
  bool expects_continue() const { return expect_continue_; }
  bool has_host() const { return has_host_; }

 private:
  void on_request_impl(boost::beast::http::verb verb, string_view /*method*/, string_view target,
                       int version, error_code&) override {
    request_.method = ToMethod(verb);
    request_.target.assign(target.data(), target.size());
    request_.body.clear();
    version_ = version;
  }

  void on_response_impl(int, string_view, int, error_code& ec) override {
    ec = boost::beast::http::error::bad_method;  // a request parser never sees a status line
  }

  void on_field_impl(boost::beast::http::field field, string_view name, string_view value,
                     error_code&) override {
    if (header_done_) return;  // a chunked trailer: never trusted as a header
    if (count_ == request_.headers.size()) request_.headers.emplace_back();
    auto& [lower_name, text] = request_.headers[count_++];
    lower_name.resize(name.size());
    for (size_t i = 0; i < name.size(); ++i) lower_name[i] = Lower(name[i]);
    text.assign(value.data(), value.size());
    if (field == boost::beast::http::field::host) has_host_ = true;
    if (field == boost::beast::http::field::expect) {
      expect_continue_ = EqualsIgnoreCase({value.data(), value.size()}, "100-continue");
    }
  }

  void on_header_impl(error_code&) override {
    request_.headers.resize(count_);
    header_done_ = true;
  }

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // Beast has already checked the length against body_limit.
    if (length) request_.body.reserve(static_cast<size_t>(*length));
  }

  size_t on_body_impl(string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  Request& request_;
  size_t count_ = 0;
  int version_ = 11;
  bool header_done_ = false;
  bool expect_continue_ = false;
  bool has_host_ = false;
};

}  // namespace fg::http::internal
