// libFuzzer target: any bytes as an API request body and query string, through the JSON
// reader, the typed field readers and the pagination parser every route uses. The corpus
// beside it is replayed by tests/unit/api (JsonBodyFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fg::http::Request request;
  request.body.assign(reinterpret_cast<const char*>(data), size);
  auto body = fg::api::ParseObject(request, {"name", "kind", "status", "id", "active", "nested"});
  if (body) {
    (void)fg::api::RequiredString(*body, "name");
    (void)fg::api::OptionalString(*body, "kind", 16);
    (void)fg::api::OptionalInt(*body, "id");
    (void)fg::api::OptionalBool(*body, "active");
    (void)fg::api::Dump(*body);
  }
  request.query.emplace_back("limit", request.body.substr(0, 12));
  request.query.emplace_back("cursor", request.body.substr(0, 24));
  (void)fg::api::ParsePage(request);
  (void)fg::api::ParseId(request.body);
  (void)fg::api::Problem(fg::ErrorCode::kInvalidArgument, request.body, "name");
  return 0;
}
