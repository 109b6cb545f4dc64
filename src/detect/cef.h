// detect CEF: an alert as one ArcSight Common Event Format line, for SIEMs over syslog.
//
// What it decides: the CEF form of an alert —
//   CEF:0|floorguard|floorguard|<version>|<rule>|<summary>|<severity 0-10>|<extension>
// with the header escaped (\ and | get a backslash; line breaks become spaces) and extension
// values escaped (\ and = get a backslash; CR and LF become \r and \n; other control
// characters become spaces). Extension keys: externalId (alert id), rt (creation time, ms
// since the epoch), cat (rule), act (status), suser (account), src (the source's IP address
// when the source is an address, else shost for a station), cs1Label/cs1 (source key),
// msg (summary).
// What it never does: any I/O (sinks.h sends it). Details (evidence) are not included: a SIEM
// gets the facts; investigators open the alert in floorguard.
// Thread-safety: pure functions.
//
//   std::string line = detect::FormatCef(alert, "0.1.0");
#pragma once

#include <string>
#include <string_view>

#include "detect/alerts.h"

namespace fg::detect {

// low 3, medium 5, high 8, critical 10.
int CefSeverity(Severity severity);
std::string CefEscapeHeader(std::string_view text);
std::string CefEscapeExtension(std::string_view text);
std::string FormatCef(const Alert& alert, std::string_view version);

}  // namespace fg::detect
