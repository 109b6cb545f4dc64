#include "app/redacting_log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <mutex>

#include "dlp/dlp.h"

namespace fg::app {

namespace {

class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RedactingSink(std::function<void(std::string_view)> write) : write_(std::move(write)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    const std::string_view line(formatted.data(), formatted.size());
    const std::string safe = dlp::Contains(line) ? dlp::Redact(line) : std::string(line);
    if (write_) {
      write_(safe);
    } else {
      std::fwrite(safe.data(), 1, safe.size(), stderr);
    }
  }
  void flush_() override { std::fflush(stderr); }

 private:
  std::function<void(std::string_view)> write_;
};

}  // namespace

void UseRedactingLogger(std::function<void(std::string_view)> write) {
  auto logger = std::make_shared<spdlog::logger>("floorguard",
                                                 std::make_shared<RedactingSink>(std::move(write)));
  logger->set_level(spdlog::default_logger()->level());
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace fg::app
