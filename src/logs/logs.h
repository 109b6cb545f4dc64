// logs: authentication results of systems that do not log on through floorguard (sshd, PAM,
// sudo, Windows Security events), read from syslog over the network and from log files.
//
// What it decides: what a syslog message or log line is (syslog.h, framing.h), whether it
// reports an authentication result and which (auth_parsers.h, scan.h), and how received
// messages are kept (intake.h: every message, parsed or not, as a raw event). The network
// side is net/syslog_receiver.h, the module's only Asio code.
// What it never does: decide on or act upon events (detect/ turns AuthEvents into alerts and
// bans), write audit entries for raw lines, or drop an unparseable line without counting it.
// Thread-safety: the parsers are pure functions; Intake and SyslogReceiver are thread-safe.
//
//   auto intake = logs::Intake::Open(db, clock);
//   auto receiver = logs::SyslogReceiver::Start(clock, {.udp_port = 5514, .tcp_port = 5514},
//       [&](const logs::Received& r) { (*intake)->Add(r); if (r.auth) bus.Publish(*r.auth); });
#pragma once

#include "logs/auth_event.h"
#include "logs/auth_parsers.h"
#include "logs/framing.h"
#include "logs/intake.h"
#include "logs/received.h"
#include "logs/scan.h"
#include "logs/syslog.h"
