// Received: one syslog message as it arrived (a datagram, a TCP frame or a file line), with
// what the parsers made of it. Shared by the receiver (net/), the intake and logscan.
//
// What it decides: nothing beyond classification. Classify runs ParseSyslog and
// ExtractAuthEvent on a message; a message that is a bare JSON object (NXLog and Winlogbeat
// send Windows events so) goes to the Windows parser. An unparseable message is never
// dropped here: it comes back with `error` set and `raw` intact.
// Thread-safety: pure function.
//
//   Received r = Classify(frame, "10.1.2.3", Transport::kTcp, {.reference = clock.WallNow()});
//   if (r.auth) detectors.Add(*r.auth);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "logs/auth_event.h"
#include "logs/syslog.h"

namespace fg::logs {

enum class Transport { kUdp, kTcp, kFile };
std::string_view TransportName(Transport transport);  // "udp", "tcp", "file"

struct Received {
  std::string raw;   // the message exactly as received (framing removed)
  std::string peer;  // the sender's address ("127.0.0.1", "::1"); a file's path for kFile
  Transport transport = Transport::kUdp;
  std::optional<SyslogMessage> message;  // absent for bare JSON and for unparseable input
  std::optional<AuthEvent> auth;
  std::string error;  // why the message is unparseable; empty when it parsed
  // What dlp masked in `raw` before anything parsed it ("pan [PAN ****1111]"): card data never
  // reaches the parsers, the detectors or the store.
  std::vector<std::string> redactions;

  bool parsed() const { return error.empty(); }
};

Received Classify(std::string raw, std::string peer, Transport transport,
                  const ParseContext& context);

}  // namespace fg::logs
