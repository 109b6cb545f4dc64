#include "app/runtime.h"

#include <sys/stat.h>

namespace fg::app {

Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config, DataDir mode) {
  auto rt = std::make_unique<Runtime>();
  rt->config = config;
  rt->data_dir = std::filesystem::absolute(config.data_dir).lexically_normal();
  std::error_code ec;
  if (!std::filesystem::exists(rt->data_dir / kDatabaseFile, ec) && mode == DataDir::kMustExist) {
    return MakeError(ErrorCode::kNotFound, "no floorguard data in " + rt->data_dir.string() +
                                               " (run `floorguard init --data DIR` first)");
  }
  std::filesystem::create_directories(rt->data_dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create data directory " + rt->data_dir.string() + ": " + ec.message());
  }
  // The directory holds the database and the signing key: owner only.
  ::chmod(rt->data_dir.c_str(), 0700);

  store::Options db_options;
  db_options.path = (rt->data_dir / kDatabaseFile).string();
  db_options.durability =
      config.durability == "normal" ? store::Durability::kNormal : store::Durability::kFull;
  db_options.max_batch = static_cast<size_t>(config.max_batch);
  db_options.read_connections = std::max(4, config.io_threads + config.worker_threads);
  FG_ASSIGN_OR_RETURN(rt->db, store::Database::Open(db_options));
  ::chmod(db_options.path.c_str(), 0600);

  FG_RETURN_IF_ERROR(rt->db->Migrate("audit", audit::Log::Migrations()));
  FG_RETURN_IF_ERROR(rt->db->Migrate("directory", directory::Directory::Migrations()));
  FG_RETURN_IF_ERROR(rt->db->Migrate("auth", auth::Auth::Migrations()));
  FG_RETURN_IF_ERROR(rt->db->Migrate("identity", identity::Identity::Migrations()));

  auto signer = mode == DataDir::kCreate ? audit::Signer::LoadOrCreate(rt->data_dir)
                                         : audit::Signer::Load(rt->data_dir);
  if (!signer) return tl::unexpected(signer.error());
  audit::Options audit_options;
  audit_options.checkpoint_every_entries = config.checkpoint_every_entries;
  audit_options.checkpoint_interval = std::chrono::seconds(config.checkpoint_interval_seconds);
  rt->log =
      std::make_unique<audit::Log>(*rt->db, rt->clock, rt->bus, std::move(*signer), audit_options);
  // With the bus: identity disables a terminated person's account at once.
  rt->directory = std::make_unique<directory::Directory>(*rt->db, *rt->log, rt->clock, &rt->bus);
  if (!config.password_blocklist_file.empty()) {
    FG_ASSIGN_OR_RETURN(auth::Blocklist extra,
                        auth::Blocklist::LoadFile(config.password_blocklist_file));
    rt->extra_blocklist = std::make_unique<auth::Blocklist>(std::move(extra));
  }
  FG_ASSIGN_OR_RETURN(auth::SecretBox box,
                      auth::SecretBox::OpenOrCreate(rt->data_dir / kSecretsKeyFile));
  rt->secret_box = std::make_unique<auth::SecretBox>(std::move(box));

  auth::Options auth_options;
  auth_options.extra_blocklist = rt->extra_blocklist.get();
  auth_options.secret_box = rt->secret_box.get();
  for (const std::string& name : config.totp_required_roles) {
    if (auto role = auth::ParseRole(name)) auth_options.require_totp_for_roles.insert(*role);
  }
  auth_options.idle_timeout = std::chrono::minutes(config.idle_timeout_minutes);
  auth_options.absolute_timeout = std::chrono::hours(config.absolute_timeout_hours);
  auth_options.lockout_after_failures = static_cast<int>(config.lockout_after_failures);
  auth_options.lockout_window = std::chrono::minutes(config.lockout_window_minutes);
  auth_options.lockout_duration = std::chrono::minutes(config.lockout_minutes);
  rt->auth = std::make_unique<auth::Auth>(*rt->db, *rt->log, rt->clock, auth_options);

  identity::Options identity_options;
  identity_options.extra_blocklist = rt->extra_blocklist.get();
  identity_options.shift_grace = std::chrono::minutes(config.shift_grace_minutes);
  identity_options.presence_mode =
      identity::ParseMode(config.presence_mode).value_or(identity::Mode::kEnforce);
  identity_options.single_session_mode =
      identity::ParseMode(config.single_session_mode).value_or(identity::Mode::kEnforce);
  identity_options.require_totp = config.logon_require_totp;
  identity_options.walk_away_lock = config.logon_walk_away_lock;
  identity_options.idle_timeout = std::chrono::minutes(config.station_idle_minutes);
  identity_options.session_end_after_idle =
      std::chrono::hours(config.station_session_max_idle_hours);
  rt->identity =
      std::make_unique<identity::Identity>(*rt->db, *rt->log, *rt->directory, rt->clock, rt->bus,
                                           identity_options, nullptr, rt->secret_box.get());
  return rt;
}

}  // namespace fg::app
