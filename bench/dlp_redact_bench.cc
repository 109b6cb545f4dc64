// dlp::Redact and dlp::StreamRedactor throughput on 64 MiB of generated log text (syslog and
// nginx access lines: timestamps, IPs, pids, status codes, byte counts), one Luhn-valid PAN per
// ~100 KiB. Reports bytes/s; issue 5 asks >= 3 GB/s on one core in text mode. BM_Prefilter
// times the pre-filter alone per instruction set (path 2 AVX2, 3 AVX-512BW, 4 AVX-512 VBMI).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

#include "dlp/dlp.h"
#include "dlp/internal/scanner.h"

namespace {

std::string MakeLogs(size_t bytes) {
  std::mt19937_64 rng(42);
  auto pick = [&rng](uint64_t n) { return static_cast<uint64_t>(rng() % n); };
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static const char* kPaths[] = {"/api/v1/items", "/index.html",   "/static/app.js",
                                 "/login",        "/api/v1/calls", "/healthz"};
  static const char* kAgents[] = {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
                                  "curl/7.88.1", "Go-http-client/1.1",
                                  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0"};
  static const char* kSyslog[] = {
      "sshd[%u]: Accepted publickey for agent%u from 10.%u.%u.%u port %u ssh2",
      "systemd[1]: Started Session %u of user agent%u.",
      "CRON[%u]: (root) CMD (run-parts /etc/cron.hourly) job %u",
      "kernel: [%u.%u] eth0: link up, 1000 Mbps, full duplex %u",
      "postfix/smtpd[%u]: connect from unknown[192.168.%u.%u] queue %u"};
  static const char* kPans[] = {"4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005",
                                "6011111111111117"};
  std::string out;
  out.reserve(bytes + 512);
  size_t next_pan = 100 * 1024;
  char line[512];
  while (out.size() < bytes) {
    int len;
    if (pick(2) == 0) {
      len = std::snprintf(
          line, sizeof line,
          "%u.%u.%u.%u - - [%02u/%s/2024:%02u:%02u:%02u +0000] \"GET %s/%u "
          "HTTP/1.1\" %u %u \"-\" \"%s\"\n",
          unsigned(pick(223) + 1), unsigned(pick(256)), unsigned(pick(256)), unsigned(pick(256)),
          unsigned(pick(28) + 1), kMonths[pick(12)], unsigned(pick(24)), unsigned(pick(60)),
          unsigned(pick(60)), kPaths[pick(6)], unsigned(pick(100000)),
          unsigned(pick(5) == 0 ? 404 : 200), unsigned(pick(50000)), kAgents[pick(4)]);
    } else {
      int head = std::snprintf(line, sizeof line, "%s %2u %02u:%02u:%02u host%u ",
                               kMonths[pick(12)], unsigned(pick(28) + 1), unsigned(pick(24)),
                               unsigned(pick(60)), unsigned(pick(60)), unsigned(pick(9)));
      len = head + std::snprintf(line + head, sizeof line - head, kSyslog[pick(5)],
                                 unsigned(pick(65536)), unsigned(pick(1000)), unsigned(pick(256)),
                                 unsigned(pick(256)), unsigned(pick(256)), unsigned(pick(65536)));
      line[len++] = '\n';
    }
    out.append(line, static_cast<size_t>(len));
    if (out.size() >= next_pan) {
      out.append("payment accepted card ");
      out.append(kPans[pick(4)]);
      out.append(" for order ");
      out.append(std::to_string(pick(1000000)));
      out.push_back('\n');
      next_pan += 100 * 1024;
    }
  }
  return out;
}

const std::string& Logs() {
  static const std::string logs = MakeLogs(64u << 20);
  return logs;
}

void BM_RedactLogs(benchmark::State& state) {
  const std::string& logs = Logs();
  size_t findings = 0;
  for (auto _ : state) {
    std::vector<fg::dlp::Finding> found;
    std::string out = fg::dlp::Redact(logs, {}, &found);
    benchmark::DoNotOptimize(out.data());
    findings = found.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * logs.size()));
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_RedactLogs)->Unit(benchmark::kMillisecond);

void BM_StreamRedactLogs(benchmark::State& state) {
  const std::string& logs = Logs();
  size_t out_bytes = 0;
  for (auto _ : state) {
    out_bytes = 0;
    fg::dlp::StreamRedactor redactor({},
                                     [&out_bytes](std::string_view s) { out_bytes += s.size(); });
    for (size_t at = 0; at < logs.size(); at += 1 << 16) {
      redactor.Feed(std::string_view(logs).substr(at, 1 << 16));
    }
    redactor.Finish();
    benchmark::DoNotOptimize(out_bytes);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * logs.size()));
}
BENCHMARK(BM_StreamRedactLogs)->Unit(benchmark::kMillisecond);

// The pre-filter alone (which lines the scanner must read) per instruction set, on the same
// text: in cache (512 KiB, read again and again) and from memory (the 64 MiB). Paths this CPU
// lacks are skipped.
void BM_Prefilter(benchmark::State& state) {
  const auto path = static_cast<fg::dlp::internal::PrefilterPath>(state.range(0));
  if (!fg::dlp::internal::PrefilterPathSupported(path)) {
    state.SkipWithError("this CPU lacks the path's instructions");
    return;
  }
  const std::string_view text =
      std::string_view(Logs()).substr(0, state.range(1) != 0 ? size_t{512} << 10 : Logs().size());
  size_t spans = 0;
  for (auto _ : state) spans = fg::dlp::internal::HotSpans(text, path).size();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["hot_spans"] = static_cast<double>(spans);
}
BENCHMARK(BM_Prefilter)
    ->ArgNames({"path", "in_cache"})
    ->ArgsProduct({{static_cast<int>(fg::dlp::internal::PrefilterPath::kAvx2),
                    static_cast<int>(fg::dlp::internal::PrefilterPath::kAvx512),
                    static_cast<int>(fg::dlp::internal::PrefilterPath::kAvx512Vbmi)},
                   {1, 0}})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
