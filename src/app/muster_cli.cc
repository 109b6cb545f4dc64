#include "app/muster_cli.h"

#include <cstdio>

#include "access/access.h"
#include "access/muster.h"
#include "access/visitors.h"
#include "app/runtime.h"

namespace fg::app {

namespace {

int Fail(const Error& error) {
  std::fprintf(stderr, "floorguard: %s\n", error.message.c_str());
  return error.code == ErrorCode::kInvalidArgument || error.code == ErrorCode::kNotFound ? 2 : 1;
}

std::string LocalTime(core::WallTime t) { return core::FormatRfc3339(t).substr(0, 19); }

}  // namespace

int MusterCommand(const Config& config, const std::string& format) {
  auto rt = OpenRuntime(config, DataDir::kMustExist);
  if (!rt) return Fail(rt.error());
  Runtime& r = **rt;
  for (const auto& [module, migrations] :
       {std::pair{"access", access::AccessControl::Migrations()},
        std::pair{"access_visitors", access::VisitorDesk::Migrations()}}) {
    if (auto migrated = r.db->Migrate(module, migrations); !migrated) {
      return Fail(migrated.error());
    }
  }
  access::AccessControl access(*r.db, *r.log, *r.directory, r.clock);
  if (auto started = access.Start(); !started) return Fail(started.error());
  access::VisitorDesk visitors(*r.db, *r.log, *r.directory, access, r.clock, nullptr);
  access::Muster muster(*r.directory, access, &visitors, r.clock);
  auto report = muster.Report();
  if (!report) return Fail(report.error());

  if (format == "csv") {
    std::fputs(access::MusterCsv(*report).c_str(), stdout);
    return 0;
  }
  std::printf("MUSTER %s UTC: %lld on site\n", LocalTime(report->generated_at).c_str(),
              static_cast<long long>(report->total));
  for (const access::MusterZone& zone : report->zones) {
    if (zone.people.empty()) continue;
    std::printf("\n%s (%zu)\n", zone.name.c_str(), zone.people.size());
    for (const access::MusterPerson& p : zone.people) {
      std::printf("  [ ] %-30s %-10s %-10s since %s%s%s\n", p.name.c_str(),
                  std::string(directory::PersonKindName(p.kind)).c_str(),
                  p.employee_number.value_or("").c_str(), LocalTime(p.since).c_str(),
                  p.host_name.empty() ? "" : "  host ", p.host_name.c_str());
    }
  }
  return 0;
}

}  // namespace fg::app
