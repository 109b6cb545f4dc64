// SyslogReceiver: listens for syslog over UDP and TCP and hands each message to a Handler.
//
// What it decides: what one message is on the wire (a UDP datagram; a TCP frame, octet-counted
// or LF-delimited, see framing.h), and what the parsers make of it (Classify in received.h).
// Every message reaches the handler, unparseable ones included, with `error` set. Limits:
// a datagram over max_message_bytes is dropped and counted; a TCP frame over it, or a bad
// octet count, closes that connection only; connections beyond max_tcp_connections are
// refused and counted; a connection silent for tcp_idle_timeout is closed.
// What it never does: store or act on messages (the handler does), or stop on bad input.
// Threads: one I/O thread of its own; the handler runs on it and must be quick (queue work
// elsewhere, as Intake::Add does). An exception from the handler is caught and counted.
// Start/Stop and the accessors are thread-safe; Stop() must not be called from the handler.
//
//   auto receiver = SyslogReceiver::Start(clock, {.udp_port = 0, .tcp_port = 0},
//       [&](const Received& r) { intake->Add(r); });
//   if (!receiver) return receiver.error();
//   int port = (*receiver)->udp_port();
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "logs/received.h"

namespace fg::logs {

struct ReceiverOptions {
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal
  int udp_port = 0;                   // 0 = pick a free port; -1 = no UDP
  int tcp_port = 0;                   // 0 = pick a free port; -1 = no TCP
  size_t max_message_bytes = 65536;
  size_t max_tcp_connections = 256;
  std::chrono::seconds tcp_idle_timeout{300};
  // Offset of the senders' zone-less timestamps from UTC (see ParseContext).
  std::chrono::minutes local_offset{0};
};

struct ReceiverCounters {
  uint64_t received = 0;         // messages handed to the handler
  uint64_t parsed = 0;           // of which parsed
  uint64_t auth_events = 0;      // of which carried an authentication result
  uint64_t unparseable = 0;      // of which did not parse
  uint64_t dropped = 0;          // oversize datagrams, broken TCP streams, refused connections
  uint64_t handler_errors = 0;   // exceptions thrown by the handler
  uint64_t tcp_connections = 0;  // open now
};

using ReceivedHandler = std::function<void(const Received&)>;

class SyslogReceiver {
 public:
  // Binds and starts the thread before returning, so the ports are real. InvalidArgument for
  // bad options, Unavailable when a port cannot be bound.
  static Result<std::unique_ptr<SyslogReceiver>> Start(const core::Clock& clock,
                                                       ReceiverOptions options,
                                                       ReceivedHandler handler);
  ~SyslogReceiver();  // Stop()
  SyslogReceiver(const SyslogReceiver&) = delete;
  SyslogReceiver& operator=(const SyslogReceiver&) = delete;

  int udp_port() const;  // the bound port, -1 when UDP is off
  int tcp_port() const;  // the bound port, -1 when TCP is off
  ReceiverCounters counters() const;

  // Closes the sockets, hands over what complete frames were already read, and joins the
  // thread. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit SyslogReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fg::logs
