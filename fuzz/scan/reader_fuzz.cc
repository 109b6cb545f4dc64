// libFuzzer target: bytes as a file of each type the scanner reads (text, gzip, zip and office,
// mail, PDF), through the format readers with small limits. Units must never nest and every
// Begin must be closed; a crash, a hang or a broken unit sequence is a bug. Built with clang
// -fsanitize=fuzzer,address,undefined; the corpus beside it is replayed by tests/unit/scan
// (ScanFuzzCorpus) in every ordinary test run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scan/internal/reader.h"

namespace {

class CheckingConsumer final : public fg::scan::internal::TextConsumer {
 public:
  void Begin(const std::string&, int) override {
    if (open_) std::abort();
    open_ = true;
  }
  void Text(std::string_view text) override {
    if (!open_) std::abort();
    bytes_ += text.size();
  }
  void End() override {
    if (!open_) std::abort();
    open_ = false;
  }
  void Problem(const std::string&, const std::string&) override {}
  bool open() const { return open_; }

 private:
  bool open_ = false;
  size_t bytes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const fg::scan::internal::Limits limits{
      .max_depth = 2, .max_expanded_bytes = 1 << 20, .max_whole_bytes = 1 << 20};
  for (const char* name :
       {"f.txt", "f.gz", "f.zip", "f.docx", "f.xlsx", "f.eml", "f.mbox", "f.pdf"}) {
    CheckingConsumer consumer;
    fg::scan::internal::ReadBytes(bytes, name, limits, consumer);
    if (consumer.open()) std::abort();
  }
  return 0;
}
