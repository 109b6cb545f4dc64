// WebhookSink: one HTTP POST of the alert's JSON per alert, through libcurl.
#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

#include "detect/internal/worker.h"
#include "detect/sinks.h"

namespace fg::detect {

namespace {

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct WebhookSink::Impl {
  WebhookOptions options;
  std::atomic<uint64_t> delivered{0}, failed{0}, dropped{0};
  std::unique_ptr<internal::Worker> worker;

  ~Impl() {
    if (worker) worker->Stop();
  }

  void Post(const Alert& alert) {
    std::string body = AlertJson(alert);
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      ++failed;
      spdlog::warn("detect: webhook delivery of alert {} failed: no curl handle", alert.id);
      return;
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    std::string authorization;
    if (!options.bearer_secret.empty()) {
      authorization = "Authorization: Bearer " + options.bearer_secret;
      headers = curl_slist_append(headers, authorization.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "floorguard");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
      ++delivered;
    } else {
      ++failed;
      // Neither the URL (it may hold a token) nor the secret is logged.
      if (rc == CURLE_OK) {
        spdlog::warn("detect: webhook delivery of alert {} failed: HTTP {}", alert.id, status);
      } else {
        spdlog::warn("detect: webhook delivery of alert {} failed: {}", alert.id,
                     curl_easy_strerror(rc));
      }
    }
  }
};

Result<std::unique_ptr<WebhookSink>> WebhookSink::Start(WebhookOptions options) {
  const std::string& url = options.url;
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return InvalidArgument("url", "must start with https:// (or http://)");
  }
  for (char ch : url) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f) {
      return InvalidArgument("url", "must not hold spaces or control characters");
    }
  }
  for (char ch : options.bearer_secret) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) {
      return InvalidArgument("bearer_secret", "must not hold control characters");
    }
  }
  if (options.timeout.count() <= 0) return InvalidArgument("timeout", "must be positive");
  GlobalInit();
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->worker = std::make_unique<internal::Worker>(impl->options.queue_capacity);
  return std::unique_ptr<WebhookSink>(new WebhookSink(std::move(impl)));
}

WebhookSink::WebhookSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebhookSink::~WebhookSink() { Stop(); }

void WebhookSink::Deliver(const Alert& alert) {
  Impl* impl = impl_.get();
  if (!impl->worker->Post([impl, alert] { impl->Post(alert); })) ++impl->dropped;
}

void WebhookSink::Stop() { impl_->worker->Stop(); }

DeliveryStats WebhookSink::Stats() const {
  return {impl_->delivered.load(), impl_->failed.load(), impl_->dropped.load()};
}

}  // namespace fg::detect
