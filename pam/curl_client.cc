// libcurl behind HttpClient: HTTPS with peer and host verification always on.
#include <curl/curl.h>

#include "pam/client.h"
#include "pam/secure.h"

namespace fg::pam {

namespace {

constexpr size_t kMaxReplyBytes = 256 * 1024;

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  size_t bytes = size * count;
  if (out->size() + bytes > kMaxReplyBytes) return 0;  // aborts the transfer
  out->append(data, bytes);
  return bytes;
}

class CurlClient final : public HttpClient {
 public:
  explicit CurlClient(const Config& config) : config_(config) {}
  ~CurlClient() override { Wipe(config_.token); }

  Result<HttpReply> Post(std::string_view path, const std::string& body) override {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
    std::string url = config_.url + std::string(path);
    SecretString authorization("Authorization: Bearer " + config_.token);
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, authorization.get().c_str());
    char error_text[CURL_ERROR_SIZE] = {0};
    HttpReply reply;

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // PAM runs inside threaded daemons
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    if (!config_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, config_.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, config_.timeout_ms);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "pam_floorguard/1");

    CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_cleanup(curl);
    // The header list holds a copy of the authorization line.
    for (curl_slist* item = headers; item != nullptr; item = item->next) {
      ::explicit_bzero(item->data, strlen(item->data));
    }
    curl_slist_free_all(headers);

    if (code != CURLE_OK) {
      std::string detail = error_text[0] != 0 ? error_text : curl_easy_strerror(code);
      ErrorCode kind =
          code == CURLE_WRITE_ERROR ? ErrorCode::kResourceExhausted : ErrorCode::kUnavailable;
      return MakeError(kind, "POST " + url + ": " + detail);
    }
    return reply;
  }

 private:
  Config config_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlClient(const Config& config) {
  return std::make_unique<CurlClient>(config);
}

}  // namespace fg::pam
