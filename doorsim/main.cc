// floorguard-doorsim: a reference door controller. It asks floorguard for every badge read,
// decides from its verified offline cache when floorguard cannot be reached, journals those
// decisions and uploads them when floorguard is back (see README.md for commands and exit
// codes). The cache is decided on with the server's own DecideInMemory (access/offline.h).
#include <curl/curl.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "access/decide.h"
#include "access/offline.h"
#include "core/clock.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using fg::access::CacheDocument;

enum Exit {
  kOk = 0,
  kUsage = 1,         // bad arguments, token file missing or world-readable
  kUnreachable = 2,   // floorguard could not be reached (sync, upload)
  kBadSignature = 3,  // the cache did not verify against the pinned key; old cache kept
  kRefused = 4,       // floorguard answered with an error status
  kState = 5,         // the state directory cannot be read or written, or no cache offline
};

struct Options {
  std::string server = "http://127.0.0.1:8080";
  std::string token_file;
  fs::path state_dir = "doorsim-state";
  std::string public_key;  // base64; else pinned at first sync
  std::string command;
  std::vector<std::string> args;
  std::string pin;
};

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "floorguard-doorsim: %s\n", message.c_str());
  return code;
}

const char* kUsageText =
    "usage: floorguard-doorsim [--server URL] [--token-file FILE] [--state-dir DIR]\n"
    "                          [--public-key BASE64] COMMAND\n"
    "commands:\n"
    "  sync                      fetch the signed offline cache (a delta when possible)\n"
    "  read READER CREDENTIAL    decide a badge read: online, else from the cache\n"
    "  upload                    send the journal of offline decisions\n";

// --- HTTP ---

struct HttpResult {
  bool reached = false;  // a response arrived (any status)
  long status = 0;
  std::string body;
  std::string error;
};

size_t Collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

HttpResult Http(const Options& o, const std::string& token, const std::string& method,
                const std::string& path, const std::string& body = "") {
  HttpResult r;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    r.error = "libcurl failed to initialise";
    return r;
  }
  std::string url = o.server;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += path;
  curl_slist* headers = nullptr;
  const std::string auth = "Authorization: Bearer " + token;
  headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Accept: application/json");
  if (method == "POST") headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    r.reached = true;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  } else {
    r.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return r;
}

std::string ProblemText(const HttpResult& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("detail") && j["detail"].is_string()) {
    return j["detail"].get<std::string>();
  }
  return r.body.substr(0, 200);
}

// --- Files ---

std::optional<std::string> ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Replaces `file` atomically with 0600 content that is on disk before the rename.
bool WriteFileAtomic(const fs::path& file, const std::string& data) {
  const fs::path tmp = file.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return false;
  return ::rename(tmp.c_str(), file.c_str()) == 0;
}

bool AppendLine(const fs::path& file, const std::string& line) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const std::string data = line + "\n";
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// One command at a time per state directory.
class StateLock {
 public:
  explicit StateLock(const fs::path& dir) {
    fd_ = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~StateLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// --- State: the pinned key, the verified cache chain (a full cache and its deltas) ---

struct State {
  std::string public_key_b64;
  std::vector<std::pair<std::string, std::string>> chain;  // (payload, signature)
  std::optional<CacheDocument> cache;                      // the chain applied
};

// Loads and re-verifies everything on disk: a tampered state file is never decided on.
// The key caches must verify with: --public-key, else the one pinned at the first sync.
std::string LoadKey(const Options& o) {
  if (!o.public_key.empty()) return o.public_key;
  std::string key = ReadFile(o.state_dir / "public.key").value_or("");
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  return key;
}

fg::Result<State> LoadState(const Options& o) {
  State s;
  s.public_key_b64 = LoadKey(o);
  auto text = ReadFile(o.state_dir / "cache.json");
  if (!text) return s;
  Json j = Json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("chain") || !j["chain"].is_array()) {
    return fg::MakeError(fg::ErrorCode::kDataLoss, "cache.json is not a cache chain");
  }
  for (const Json& link : j["chain"]) {
    if (!link.is_object() || !link.contains("payload") || !link["payload"].is_string() ||
        !link.contains("signature") || !link["signature"].is_string()) {
      return fg::MakeError(fg::ErrorCode::kDataLoss, "cache.json holds a malformed link");
    }
    s.chain.emplace_back(link["payload"].get<std::string>(), link["signature"].get<std::string>());
  }
  for (const auto& [payload, signature] : s.chain) {
    FG_RETURN_IF_ERROR(fg::access::VerifyBase64(payload, signature, s.public_key_b64));
    FG_ASSIGN_OR_RETURN(CacheDocument doc, fg::access::ParseCache(payload));
    if (!s.cache) {
      if (!doc.full)
        return fg::MakeError(fg::ErrorCode::kDataLoss, "cache chain starts with a delta");
      s.cache = std::move(doc);
    } else {
      FG_RETURN_IF_ERROR(fg::access::ApplyDelta(*s.cache, doc));
    }
  }
  return s;
}

bool SaveChain(const Options& o, const State& s) {
  Json chain = Json::array();
  for (const auto& [payload, signature] : s.chain) {
    chain.push_back({{"payload", payload}, {"signature", signature}});
  }
  return WriteFileAtomic(o.state_dir / "cache.json", Json{{"chain", chain}}.dump());
}

fg::Result<std::string> ReadToken(const Options& o) {
  if (o.token_file.empty()) return fg::InvalidArgument("--token-file", "is required");
  struct stat st {};
  if (::stat(o.token_file.c_str(), &st) != 0) {
    return fg::InvalidArgument("--token-file", "cannot read " + o.token_file);
  }
  if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    return fg::InvalidArgument("--token-file",
                               o.token_file + " is world-readable; run: chmod 600 " + o.token_file);
  }
  auto token = ReadFile(o.token_file);
  if (!token) return fg::InvalidArgument("--token-file", "cannot read " + o.token_file);
  while (!token->empty() && std::isspace(static_cast<unsigned char>(token->back()))) {
    token->pop_back();
  }
  if (token->empty()) return fg::InvalidArgument("--token-file", o.token_file + " is empty");
  return *token;
}

// --- Commands ---

int Sync(const Options& o, const std::string& token) {
  auto loaded = LoadState(o);
  State s;
  if (loaded) {
    s = std::move(*loaded);
  } else {
    s.public_key_b64 = LoadKey(o);  // never re-pinned because the stored cache failed
    // A state that no longer verifies is dropped; a full cache replaces it below.
    std::fprintf(stderr, "floorguard-doorsim: discarding the stored cache: %s\n",
                 loaded.error().message.c_str());
  }
  if (s.public_key_b64.empty()) {
    HttpResult key = Http(o, token, "GET", "/api/v1/access/cache/key");
    if (!key.reached) return Fail(kUnreachable, "cannot reach " + o.server + ": " + key.error);
    Json j = Json::parse(key.body, nullptr, false);
    if (key.status != 200 || !j.is_object() || !j["public_key"].is_string()) {
      return Fail(kRefused, "GET /api/v1/access/cache/key: " + std::to_string(key.status) + " " +
                                ProblemText(key));
    }
    s.public_key_b64 = j["public_key"].get<std::string>();
    if (!WriteFileAtomic(o.state_dir / "public.key", s.public_key_b64 + "\n")) {
      return Fail(kState, "cannot write " + (o.state_dir / "public.key").string());
    }
    std::fprintf(stderr, "floorguard-doorsim: pinned cache key %s\n",
                 j.value("key_id", std::string("?")).c_str());
  }
  std::string path = "/api/v1/access/cache";
  // A long chain of deltas is compacted by asking for a full cache.
  if (s.cache && s.chain.size() < 32) path += "?since=" + std::to_string(s.cache->version);
  HttpResult r = Http(o, token, "GET", path);
  if (!r.reached) return Fail(kUnreachable, "cannot reach " + o.server + ": " + r.error);
  Json j = Json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object() || !j["payload"].is_string() ||
      !j["signature"].is_string()) {
    return Fail(kRefused, "GET " + path + ": " + std::to_string(r.status) + " " + ProblemText(r));
  }
  const std::string payload = j["payload"].get<std::string>();
  const std::string signature = j["signature"].get<std::string>();
  if (auto verified = fg::access::VerifyBase64(payload, signature, s.public_key_b64); !verified) {
    return Fail(kBadSignature, "refusing the cache (old cache kept): " + verified.error().message);
  }
  auto doc = fg::access::ParseCache(payload);
  if (!doc) return Fail(kRefused, "refusing the cache: " + doc.error().ToString());
  if (doc->full) {
    s.chain = {{payload, signature}};
    s.cache = *doc;
  } else {
    if (!s.cache) return Fail(kRefused, "a delta arrived without a base cache");
    CacheDocument merged = *s.cache;
    if (auto applied = fg::access::ApplyDelta(merged, *doc); !applied) {
      return Fail(kRefused, "refusing the delta: " + applied.error().ToString());
    }
    s.chain.emplace_back(payload, signature);
    s.cache = std::move(merged);
  }
  if (!SaveChain(o, s))
    return Fail(kState, "cannot write " + (o.state_dir / "cache.json").string());
  std::printf("%s\n", Json{{"version", s.cache->version},
                           {"full", doc->full},
                           {"readers", s.cache->readers.size()},
                           {"badges", s.cache->entries.size()}}
                          .dump()
                          .c_str());
  return kOk;
}

std::string NewEventId() {
  unsigned char bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return std::string("ev-") + hex;
}

int Read(const Options& o, const std::string& token) {
  if (o.args.size() != 2) return Fail(kUsage, "read needs READER and CREDENTIAL");
  const std::string& reader = o.args[0];
  const std::string& credential = o.args[1];
  Json request{{"reader_id", reader}, {"credential", credential}};
  if (!o.pin.empty()) request["pin"] = o.pin;
  HttpResult r = Http(o, token, "POST", "/api/v1/access/decide", request.dump());
  if (r.reached && r.status < 500) {
    Json j = Json::parse(r.body, nullptr, false);
    if (r.status != 200 || !j.is_object()) {
      return Fail(kRefused,
                  "POST /api/v1/access/decide: " + std::to_string(r.status) + " " + ProblemText(r));
    }
    std::printf("%s\n", Json{{"decision", j.value("decision", "deny")},
                             {"reason", j.value("reason", "")},
                             {"mode", "online"}}
                            .dump()
                            .c_str());
    return kOk;
  }
  // Unreachable, or a server error: decide from the cache (never without a verified one).
  auto state = LoadState(o);
  if (!state)
    return Fail(kState, "offline and the cache does not verify: " + state.error().message);
  if (!state->cache) return Fail(kState, "offline and no cache (run sync while online)");
  fg::access::Snapshot snapshot = fg::access::ToSnapshot(*state->cache);
  fg::core::SystemClock clock;
  const fg::core::WallTime now = clock.WallNow();
  fg::access::DecideRequest decide{.reader_id = reader, .credential = credential};
  if (!o.pin.empty()) decide.pin = o.pin;
  // Presence is not known offline: anti-passback sees nobody inside (the server records it).
  fg::access::Decision d = fg::access::DecideInMemory(snapshot, nullptr, decide, now);
  const std::string decision = d.granted() ? "grant" : "deny";
  const std::string reason(fg::access::ReasonName(d.reason));
  Json event{{"id", NewEventId()},
             {"reader_id", reader},
             {"credential", credential.substr(0, 128)},
             {"time", fg::core::FormatRfc3339(now)},
             {"decision", decision},
             {"reason", reason}};
  if (!AppendLine(o.state_dir / "journal.jsonl", event.dump())) {
    return Fail(kState, "cannot append to " + (o.state_dir / "journal.jsonl").string());
  }
  std::printf("%s\n", Json{{"decision", decision},
                           {"reason", reason},
                           {"mode", "offline"},
                           {"event_id", event["id"]}}
                          .dump()
                          .c_str());
  return kOk;
}

int Upload(const Options& o, const std::string& token) {
  const fs::path journal = o.state_dir / "journal.jsonl";
  std::vector<Json> events;
  if (auto text = ReadFile(journal)) {
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      Json e = Json::parse(line, nullptr, false);
      // A torn last line (a crash mid-append) is skipped, never sent.
      if (e.is_object()) events.push_back(std::move(e));
    }
  }
  int accepted = 0, duplicates = 0;
  Json rejected = Json::array();
  constexpr size_t kBatch = 500;
  size_t sent = 0;
  while (sent < events.size()) {
    const size_t n = std::min(kBatch, events.size() - sent);
    Json batch = Json::array();
    for (size_t i = 0; i < n; ++i) batch.push_back(events[sent + i]);
    HttpResult r =
        Http(o, token, "POST", "/api/v1/access/offline-events", Json{{"events", batch}}.dump());
    Json j = Json::parse(r.body, nullptr, false);
    if (!r.reached || r.status != 200 || !j.is_object()) {
      // Keep what was not acknowledged for the next upload.
      std::vector<Json> rest(events.begin() + static_cast<std::ptrdiff_t>(sent), events.end());
      std::string text;
      for (const Json& e : rest) text += e.dump() + "\n";
      if (!WriteFileAtomic(journal, text))
        return Fail(kState, "cannot rewrite " + journal.string());
      if (!r.reached) return Fail(kUnreachable, "cannot reach " + o.server + ": " + r.error);
      return Fail(kRefused, "POST /api/v1/access/offline-events: " + std::to_string(r.status) +
                                " " + ProblemText(r));
    }
    accepted += j.value("accepted", 0);
    duplicates += j.value("duplicates", 0);
    for (const Json& x : j.value("rejected", Json::array())) rejected.push_back(x);
    sent += n;
  }
  if (!events.empty() && !WriteFileAtomic(journal, "")) {
    return Fail(kState, "cannot clear " + journal.string());
  }
  std::printf("%s\n", Json{{"sent", events.size()},
                           {"accepted", accepted},
                           {"duplicates", duplicates},
                           {"rejected", rejected}}
                          .dump()
                          .c_str());
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        Fail(kUsage, std::string(name) + " needs a value");
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsageText);
      return kOk;
    } else if (arg == "--server" || arg == "--token-file" || arg == "--state-dir" ||
               arg == "--public-key" || arg == "--pin") {
      auto v = value(arg.c_str());
      if (!v) return kUsage;
      if (arg == "--server") o.server = *v;
      if (arg == "--token-file") o.token_file = *v;
      if (arg == "--state-dir") o.state_dir = *v;
      if (arg == "--public-key") o.public_key = *v;
      if (arg == "--pin") o.pin = *v;
    } else if (arg.starts_with("--")) {
      std::fprintf(stderr, "%s", kUsageText);
      return Fail(kUsage, "unknown option " + arg);
    } else if (o.command.empty()) {
      o.command = arg;
    } else {
      o.args.push_back(arg);
    }
  }
  if (o.command != "sync" && o.command != "read" && o.command != "upload") {
    std::fprintf(stderr, "%s", kUsageText);
    return Fail(kUsage, o.command.empty() ? "no command" : "unknown command " + o.command);
  }
  if (sodium_init() < 0) return Fail(kState, "libsodium failed to initialise");
  auto token = ReadToken(o);
  if (!token) return Fail(kUsage, token.error().field + ": " + token.error().message);
  std::error_code ec;
  fs::create_directories(o.state_dir, ec);
  if (ec) return Fail(kState, "cannot create " + o.state_dir.string() + ": " + ec.message());
  ::chmod(o.state_dir.c_str(), 0700);
  StateLock lock(o.state_dir);
  if (!lock.ok()) return Fail(kState, "cannot lock " + o.state_dir.string());
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = o.command == "sync"   ? Sync(o, *token)
           : o.command == "read" ? Read(o, *token)
                                 : Upload(o, *token);
  curl_global_cleanup();
  return rc;
}
