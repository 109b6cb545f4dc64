#include "app/physical_access.h"

#include <spdlog/spdlog.h>

#include "access/access.h"
#include "access/demo.h"
#include "access/devices.h"
#include "access/door_events.h"
#include "access/lockers.h"
#include "access/muster.h"
#include "access/offline.h"
#include "access/visitors.h"
#include "api/access_offline_routes.h"
#include "api/access_routes.h"
#include "api/door_event_routes.h"
#include "api/visitor_routes.h"
#include "app/access_alerts.h"

namespace fg::app {

using std::chrono::seconds;

// Declared in the order they are built; destroyed in reverse (readers before what they read).
struct PhysicalAccess::Parts {
  Runtime* rt = nullptr;
  std::unique_ptr<AccessAlerts> alerts;
  std::unique_ptr<access::AccessControl> access;
  std::unique_ptr<access::OfflineService> offline;
  std::unique_ptr<access::VisitorDesk> visitors;
  std::unique_ptr<access::Lockers> lockers;
  std::unique_ptr<access::Muster> muster;
  std::unique_ptr<access::DoorEvents> door_events;
  std::unique_ptr<access::Devices> devices;
};

PhysicalAccess::PhysicalAccess(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
PhysicalAccess::~PhysicalAccess() = default;

Result<std::unique_ptr<PhysicalAccess>> PhysicalAccess::Start(Runtime& rt, Defense& defense,
                                                              const Config& config, api::Api& api,
                                                              bool demo) {
  store::Database& db = *rt.db;
  FG_RETURN_IF_ERROR(db.Migrate("access", access::AccessControl::Migrations()));
  FG_RETURN_IF_ERROR(db.Migrate("access_offline", access::OfflineService::Migrations()));
  FG_RETURN_IF_ERROR(db.Migrate("access_visitors", access::VisitorDesk::Migrations()));
  FG_RETURN_IF_ERROR(db.Migrate("access_lockers", access::Lockers::Migrations()));
  FG_RETURN_IF_ERROR(db.Migrate("access_events", access::DoorEvents::Migrations()));
  FG_RETURN_IF_ERROR(db.Migrate("access_devices", access::Devices::Migrations()));

  auto p = std::make_unique<Parts>();
  p->rt = &rt;
  p->alerts = std::make_unique<AccessAlerts>(defense);
  p->access = std::make_unique<access::AccessControl>(
      db, *rt.log, *rt.directory, rt.clock, &rt.bus,
      access::AccessOptions{.secret_box = rt.secret_box.get(), .alerts = p->alerts.get()});
  FG_RETURN_IF_ERROR(p->access->Start());
  if (demo) FG_RETURN_IF_ERROR(access::SeedDemoAccess(*p->access, *rt.directory, "system"));
  // Logon presence: a badge passage into the station's zone, or a reported presence.
  rt.identity->AddPresenceSource(&p->access->presence());

  // The offline cache signs with a key of its own (never the audit key), 0600 in DATA.
  p->offline = std::make_unique<access::OfflineService>(
      db, *rt.log, *p->access, *rt.directory, rt.clock,
      access::OfflineOptions{
          .key_file = rt.data_dir / "access-cache.key",
          .max_event_age = std::chrono::hours(24 * config.access_offline_max_event_age_days)});
  FG_RETURN_IF_ERROR(p->offline->Start());

  p->visitors = std::make_unique<access::VisitorDesk>(
      db, *rt.log, *rt.directory, *p->access, rt.clock, p->alerts.get(),
      access::VisitorOptions{
          .overdue_grace = std::chrono::minutes(config.visitors_overdue_grace_minutes),
          .retention_days = static_cast<int>(config.visitors_retention_days),
          .max_visit = std::chrono::hours(config.visitors_max_visit_hours)});
  p->lockers = std::make_unique<access::Lockers>(db, *rt.log, *rt.directory, rt.clock);
  p->muster =
      std::make_unique<access::Muster>(*rt.directory, *p->access, p->visitors.get(), rt.clock);

  p->door_events = std::make_unique<access::DoorEvents>(
      db, *rt.log, *p->access, *p->alerts, rt.clock,
      access::DoorEvents::Options{.offline_after =
                                      seconds(config.access_door_offline_after_seconds)});
  p->devices = std::make_unique<access::Devices>(
      db, *rt.log, *rt.directory, *p->access, *p->alerts, rt.clock,
      access::Devices::Options{
          .device_alert_after = seconds(config.access_device_alert_after_seconds),
          .sighting_gap = seconds(config.access_device_sighting_gap_seconds),
          .episode_retention = std::chrono::hours(24 * config.access_device_retention_days)});
  FG_RETURN_IF_ERROR(p->devices->Start());

  api::AddAccessRoutes(api.routes(), *p->access);
  api::AddAccessOfflineRoutes(api.routes(), *p->offline);
  api::AddVisitorRoutes(api.routes(), *p->visitors, *p->lockers, *p->muster);
  api::AddDoorEventRoutes(api.routes(), *p->door_events, *p->devices);
  return std::unique_ptr<PhysicalAccess>(new PhysicalAccess(std::move(p)));
}

void PhysicalAccess::Tick(int seconds_since_start) {
  const core::WallTime now = parts_->rt->clock.WallNow();
  if (seconds_since_start % 60 == 30) {
    if (auto r = parts_->visitors->Sweep(now); !r) {
      spdlog::error("visitor sweep failed: {}", r.error().ToString());
    }
  }
  if (seconds_since_start % 5 == 0) {
    if (auto r = parts_->door_events->Sweep(now); !r) {
      spdlog::error("door controller sweep failed: {}", r.error().ToString());
    }
    if (auto r = parts_->devices->Sweep(now); !r) {
      spdlog::error("device episode sweep failed: {}", r.error().ToString());
    }
  }
}

}  // namespace fg::app
