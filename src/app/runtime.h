// Runtime: the modules of one floorguard process, opened in dependency order over one data
// directory. Every command (serve, init, user, audit verify) starts from here.
#pragma once

#include <filesystem>
#include <memory>

#include "app/config.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "auth/secret_box.h"
#include "core/clock.h"
#include "core/event_bus.h"
#include "directory/directory.h"
#include "identity/identity.h"
#include "store/store.h"

namespace fg::app {

struct Runtime {
  Config config;
  std::filesystem::path data_dir;
  core::SystemClock clock;
  core::EventBus bus;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<audit::Log> log;
  std::unique_ptr<directory::Directory> directory;
  // Before auth (and identity), which keep pointers to them.
  std::unique_ptr<auth::Blocklist> extra_blocklist;  // password.blocklist_file, when set
  std::unique_ptr<auth::SecretBox> secret_box;       // DATA/secrets.key: TOTP seeds
  std::unique_ptr<auth::Auth> auth;
  std::unique_ptr<identity::Identity> identity;  // workforce accounts and workstation logon
};

enum class DataDir {
  kCreate,     // init and serve: make the directory, key and schema when absent
  kMustExist,  // user and audit commands: refuse to invent an empty installation
};

constexpr const char* kDatabaseFile = "floorguard.db";
constexpr const char* kSecretsKeyFile = "secrets.key";

Result<std::unique_ptr<Runtime>> OpenRuntime(const Config& config, DataDir mode);

}  // namespace fg::app
