// floorguard: the one binary. Subcommands: serve, init, audit verify, user, account, muster,
// logscan, version.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "app/account_cli.h"
#include "app/config.h"
#include "app/logscan.h"
#include "app/muster_cli.h"
#include "app/redacting_log.h"
#include "app/retention.h"
#include "app/recording_cli.h"
// dlp extensions: includes (redact)
#include "app/redact_cli.h"
// dlp extensions: includes (scan)
#include "app/runtime.h"
#include "app/scan_cli.h"
#include "app/serve.h"
#include "app/version.h"
#include "audit/audit.h"
#include "auth/roles.h"

namespace fg::app {
namespace {

struct CommonFlags {
  std::string config_file;
  std::string data_dir;
  std::string listen;
};

void AddCommonFlags(CLI::App* command, CommonFlags* flags) {
  command->add_option("--config", flags->config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  command->add_option("--data,--data-dir", flags->data_dir, "data directory (default ./var)");
}

// Defaults, then the file, then flags: the later wins.
Result<Config> ResolveConfig(const CommonFlags& flags) {
  Config config;
  if (!flags.config_file.empty()) {
    FG_ASSIGN_OR_RETURN(config, LoadConfig(flags.config_file));
  }
  if (!flags.data_dir.empty()) config.data_dir = flags.data_dir;
  if (!flags.listen.empty()) config.listen = flags.listen;
  FG_RETURN_IF_ERROR(Validate(config));
  return config;
}

int Fail(const Error& error) {
  std::fprintf(stderr, "floorguard: %s\n", error.message.c_str());
  return error.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

std::string CliActor() {
  const char* user = std::getenv("SUDO_USER");
  if (user == nullptr) user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr ? user : std::to_string(::getuid()));
}

int VerifyAudit(const CommonFlags& flags, const std::string& public_key_file) {
  auto config = ResolveConfig(flags);
  if (!config) return Fail(config.error());
  std::filesystem::path dir = std::filesystem::absolute(config->data_dir);
  std::filesystem::path db_file = dir / kDatabaseFile;
  if (!std::filesystem::exists(db_file)) {
    std::fprintf(stderr, "floorguard: no database at %s\n", db_file.c_str());
    return 2;
  }
  auto db = store::Database::Open({.path = db_file.string(), .read_connections = 1});
  if (!db) {
    std::fprintf(stderr, "floorguard: %s\n", db.error().message.c_str());
    return 2;
  }
  std::filesystem::path key_file = dir / audit::Signer::kPublicKeyFile;
  if (!public_key_file.empty()) key_file = public_key_file;
  auto key = audit::LoadPublicKey(key_file);
  if (!key) {
    std::fprintf(stderr, "floorguard: %s\n", key.error().message.c_str());
    return 2;
  }
  auto report = audit::Verify(**db, *key);
  if (!report) {
    std::fprintf(stderr, "floorguard: cannot read the audit trail: %s\n",
                 report.error().message.c_str());
    return 2;
  }
  if (report->intact) {
    // The trail holds each recording's ciphertext hash: a swapped or cut file shows here too.
    if (std::filesystem::exists(dir / "recordings")) {
      if (int code = RecordingVerifyCommand(*config, std::nullopt); code != 0) {
        std::printf("audit trail intact, but recordings differ from it (above)\n");
        return 1;
      }
    }
    std::printf("audit trail intact: %lld entries, %lld signed checkpoints, last seq %lld\n",
                static_cast<long long>(report->entries),
                static_cast<long long>(report->checkpoints),
                static_cast<long long>(report->last_seq));
    if (report->last_seq > report->last_signed_seq) {
      std::printf("note: entries %lld..%lld are chained but not yet signed by a checkpoint\n",
                  static_cast<long long>(report->last_signed_seq + 1),
                  static_cast<long long>(report->last_seq));
    }
    return 0;
  }
  std::printf("audit trail BROKEN: first bad seq %lld: %s\n",
              static_cast<long long>(*report->first_bad_seq), report->problem.c_str());
  return 1;
}

Result<auth::User> FindUser(auth::Auth& auth, const std::string& username) {
  std::optional<int64_t> after;
  while (true) {
    FG_ASSIGN_OR_RETURN(auto page, auth.ListUsers(500, after));
    for (const auth::User& user : page.items) {
      if (user.username == username) return user;
    }
    if (!page.next_after_id) break;
    after = page.next_after_id;
  }
  return NotFound("no console user named '" + username + "'");
}

int UserCommandUnsigned(const std::string& action, Runtime& rt, const std::string& username,
                        const std::string& role_name, bool password_stdin);

int UserCommand(const std::string& action, const CommonFlags& flags, const std::string& username,
                const std::string& role_name, bool password_stdin) {
  auto config = ResolveConfig(flags);
  if (!config) return Fail(config.error());
  auto rt = OpenRuntime(*config, DataDir::kMustExist);
  if (!rt) return Fail(rt.error());
  int code = UserCommandUnsigned(action, **rt, username, role_name, password_stdin);
  // Sign what the command wrote; a running server's timer would, but it may not be running.
  if (auto signed_now = (*rt)->log->CheckpointNow(); !signed_now) return Fail(signed_now.error());
  return code;
}

int UserCommandUnsigned(const std::string& action, Runtime& rt, const std::string& username,
                        const std::string& role_name, bool password_stdin) {
  auth::Auth& auth = *rt.auth;
  std::string actor = CliActor();

  if (action == "list") {
    std::optional<int64_t> after;
    std::printf("%-6s %-24s %-12s %-9s %s\n", "ID", "USERNAME", "ROLE", "STATE", "PASSWORD");
    while (true) {
      auto page = auth.ListUsers(500, after);
      if (!page) return Fail(page.error());
      for (const auth::User& u : page->items) {
        std::printf("%-6lld %-24s %-12s %-9s %s\n", static_cast<long long>(u.id),
                    u.username.c_str(), std::string(auth::RoleName(u.role)).c_str(),
                    u.disabled ? "disabled" : "enabled",
                    u.must_change_password ? "temporary" : "set");
      }
      if (!page->next_after_id) break;
      after = page->next_after_id;
    }
    return 0;
  }
  if (action == "add") {
    auto role = auth::ParseRole(role_name);
    if (!role || !auth::IsConsoleRole(*role)) {
      std::fprintf(stderr, "floorguard: --role must be admin, security, supervisor or auditor\n");
      return 2;
    }
    std::optional<std::string> password;
    if (password_stdin) {
      std::string line;
      std::getline(std::cin, line);
      password = line;
    }
    auto created = auth.CreateUser(actor, username, *role, password);
    if (!created) return Fail(created.error());
    std::printf("created console user '%s' (%s)\n", created->user.username.c_str(),
                std::string(auth::RoleName(*role)).c_str());
    if (created->temporary_password) {
      std::printf("temporary password (shown once, must be changed at first login): %s\n",
                  created->temporary_password->c_str());
    }
    return 0;
  }
  auto user = FindUser(auth, username);
  if (!user) return Fail(user.error());
  if (action == "disable" || action == "enable") {
    auto updated = auth.UpdateUser(actor, user->id, std::nullopt, action == "disable");
    if (!updated) return Fail(updated.error());
    std::printf("console user '%s' %sd\n", username.c_str(), action.c_str());
    return 0;
  }
  if (action == "unlock") {
    if (auto unlocked = auth.Unlock(CliActor(), user->id); !unlocked) return Fail(unlocked.error());
    std::printf("console user '%s' unlocked\n", username.c_str());
    return 0;
  }
  if (action == "reset") {
    auto password = auth.ResetPassword(actor, user->id);
    if (!password) return Fail(password.error());
    std::printf("temporary password for '%s' (shown once, must be changed at first login): %s\n",
                username.c_str(), password->c_str());
    return 0;
  }
  return 2;
}

spdlog::level::level_enum LogLevel(const std::string& name) {
  return spdlog::level::from_str(name);
}

int Main(int argc, char** argv) {
  // Block the stop signals before any thread starts so only Serve's sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  UseRedactingLogger();

  CLI::App cli{"floorguard: security control plane for call centers"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", kVersion);

  CommonFlags flags;
  bool demo = false;

  CLI::App* serve = cli.add_subcommand("serve", "Run the server (API, console, decisions)");
  AddCommonFlags(serve, &flags);
  serve->add_option("--listen", flags.listen, "ADDRESS:PORT to listen on (default 127.0.0.1:8080)");
  serve->add_flag("--demo", demo, "Seed a demo call center site on first start");

  CLI::App* init = cli.add_subcommand("init", "Create the data directory, key, schema and admin");
  AddCommonFlags(init, &flags);
  init->add_flag("--demo", demo, "Seed a demo call center site");

  CLI::App* audit = cli.add_subcommand("audit", "Audit trail tools");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand(
      "verify", "Check the whole audit trail; exit 0 intact, 1 broken (names the first bad seq)");
  AddCommonFlags(verify, &flags);
  std::string public_key_file;
  verify
      ->add_option("--public-key", public_key_file,
                   "Checkpoint public key kept outside the data directory (hex)")
      ->check(CLI::ExistingFile);

  CLI::App* user =
      cli.add_subcommand("user", "Console users: add, list, disable, enable, reset, unlock");
  user->require_subcommand(1);
  std::string username, role = "supervisor";
  bool password_stdin = false;
  CLI::App* user_add = user->add_subcommand("add", "Add a console user");
  AddCommonFlags(user_add, &flags);
  user_add->add_option("username", username, "user name")->required();
  user_add->add_option("--role", role, "admin, security, supervisor or auditor");
  user_add->add_flag("--password-stdin", password_stdin,
                     "Read the (temporary) password from standard input instead of generating one");
  CLI::App* user_list = user->add_subcommand("list", "List console users");
  AddCommonFlags(user_list, &flags);
  for (const char* name : {"disable", "enable", "reset", "unlock"}) {
    CLI::App* sub = user->add_subcommand(name, std::string(name) == "reset"
                                                   ? "Set a new temporary password and end sessions"
                                                   : std::string(name) + " a console user");
    AddCommonFlags(sub, &flags);
    sub->add_option("username", username, "user name")->required();
  }

  CLI::App* account = cli.add_subcommand(
      "account", "Workforce accounts: list, locked, unlock, disable, enable, reset");
  account->require_subcommand(1);
  std::string account_name;
  for (const char* name : {"list", "locked"}) {
    CLI::App* sub = account->add_subcommand(
        name, std::string(name) == "list" ? "List workforce accounts" : "List locked accounts");
    AddCommonFlags(sub, &flags);
  }
  for (const char* name : {"unlock", "disable", "enable", "reset"}) {
    CLI::App* sub = account->add_subcommand(
        name, std::string(name) == "reset" ? "Set a new temporary password and end sessions"
                                           : std::string(name) + " a workforce account");
    AddCommonFlags(sub, &flags);
    sub->add_option("username", account_name, "account name")->required();
  }

  CLI::App* ban = cli.add_subcommand("ban", "Stations and addresses banned from logging on");
  ban->require_subcommand(1);
  std::string ban_source;
  AddCommonFlags(ban->add_subcommand("list", "List bans in force"), &flags);
  CLI::App* ban_lift = ban->add_subcommand("lift", "Lift a ban");
  AddCommonFlags(ban_lift, &flags);
  ban_lift->add_option("source", ban_source, "address:10.0.0.5 or station:WS-12")->required();

  CLI::App* retention = cli.add_subcommand("retention", "Personal data past its retention");
  retention->require_subcommand(1);
  CLI::App* retention_run =
      retention->add_subcommand("run", "Remove what is past its [retention] days, with proof");
  AddCommonFlags(retention_run, &flags);
  bool retention_dry_run = false, retention_vacuum = false;
  retention_run->add_flag("--dry-run", retention_dry_run, "Only show what would go");
  retention_run->add_flag("--vacuum", retention_vacuum, "Then give freed space back to the disk");

  CLI::App* muster = cli.add_subcommand(
      "muster", "Everyone on site now, by zone, from the data directory (evacuations)");
  AddCommonFlags(muster, &flags);
  std::string muster_format = "text";
  muster->add_option("--format", muster_format, "text or csv")
      ->check(CLI::IsMember({"text", "csv"}));

  CLI::App* logscan = cli.add_subcommand(
      "logscan", "Run the syslog parsers and detectors over log files offline; print the alerts");
  LogscanOptions scan;
  logscan->add_option("--config", flags.config_file, "TOML configuration file ([detect] keys)")
      ->check(CLI::ExistingFile);
  std::string scan_format = "text";
  logscan->add_option("--format", scan_format, "text or jsonl")
      ->check(CLI::IsMember({"text", "jsonl"}));
  logscan->add_flag("--events", scan.events, "Also print every authentication event found");
  logscan->add_flag(
      "--count-failures", scan.count_failures,
      "End with 'failures N': sshd failed attempts (as fail2ban's sshd filter counts)");
  logscan->add_option("files", scan.files, "Log files (auth.log, syslog, JSON lines); - for stdin")
      ->required();

  // dlp extensions: subcommands (redact)
  CLI::App* redact = cli.add_subcommand(
      "redact", "Mask card numbers and other personal data: standard input to standard output");
  std::string redact_mode = "text";
  redact->add_option("--mode", redact_mode, "text or transcript (spoken digits, fail closed)")
      ->check(CLI::IsMember({"text", "transcript"}));
  RedactOptions redact_options;
  redact->add_flag("--summary", redact_options.summary,
                   "Write the count of findings by kind to standard error");
  // dlp extensions: subcommands (scan)
  CLI::App* scan_command = cli.add_subcommand(
      "scan", "Find card data at rest in files, archives, office documents, mail and PDFs");
  ScanCliOptions scan_cli;
  scan_command->add_option("--format", scan_cli.format, "text, jsonl or csv");
  scan_command->add_option("--jobs", scan_cli.jobs,
                           "worker threads (default: the number of cores)");
  scan_command->add_option("paths", scan_cli.paths, "files and directories to scan");
  scan_command->allow_extras();  // ScanCommand rejects them with exit code 2 (bad usage)

  // Call recording: capture, calls, recordings, PBX call records.
  CLI::App* capture = cli.add_subcommand(
      "capture", "Record calls from a network interface or a pcap/pcapng file (SIP and RTP)");
  AddCommonFlags(capture, &flags);
  CaptureCliOptions capture_options;
  capture->add_option("--interface,-i", capture_options.interface, "live capture interface");
  capture->add_option("--read,-r", capture_options.read_file, "pcap or pcapng file")
      ->check(CLI::ExistingFile);
  std::string capture_filter;
  capture->add_option("--filter", capture_filter, "BPF filter (default [recording] filter)");
  capture->add_option("--sip-port", capture_options.sip_ports, "SIP port (repeat; default 5060)");
  capture->add_option("--duration", capture_options.duration_seconds,
                      "stop a live capture after this many seconds");
  capture->add_flag("--json", capture_options.json, "print the summary as one JSON object");

  CLI::App* calls = cli.add_subcommand("calls", "Recorded calls");
  calls->require_subcommand(1);
  CLI::App* calls_list = calls->add_subcommand("list", "Calls, newest first");
  AddCommonFlags(calls_list, &flags);
  bool calls_json = false;
  int calls_limit = 1000;
  calls_list->add_flag("--json", calls_json, "JSON array");
  calls_list->add_option("--limit", calls_limit, "at most this many calls")
      ->check(CLI::Range(1, 1000000));

  CLI::App* recording = cli.add_subcommand("recording", "Call recordings in the vault");
  recording->require_subcommand(1);
  CLI::App* recording_export =
      recording->add_subcommand("export", "Decrypt one call's recording to a file (audited)");
  AddCommonFlags(recording_export, &flags);
  int64_t export_call = 0;
  std::string export_reason, export_format = "wav", export_out;
  recording_export->add_option("call", export_call, "call id")->required();
  recording_export->add_option("--reason", export_reason, "why (required, audited)")->required();
  recording_export->add_option("--format", export_format, "wav or opus")
      ->check(CLI::IsMember({"wav", "opus"}));
  recording_export->add_option("--out", export_out, "output file")->required();
  CLI::App* recording_verify = recording->add_subcommand(
      "verify", "Check recording files against the audit trail; exit 1 on any problem");
  AddCommonFlags(recording_verify, &flags);
  std::optional<int64_t> verify_call;
  recording_verify->add_option("call", verify_call, "one call id (default: all)");
  CLI::App* recording_rotate = recording->add_subcommand(
      "rotate-key", "Add a new master key; new recordings use it, old keys still decrypt");
  AddCommonFlags(recording_rotate, &flags);

  CLI::App* cdr = cli.add_subcommand("cdr", "Call records from the PBX");
  cdr->require_subcommand(1);
  CLI::App* cdr_import = cdr->add_subcommand("import", "Import an Asterisk Master.csv");
  AddCommonFlags(cdr_import, &flags);
  std::string cdr_file;
  cdr_import->add_option("file", cdr_file, "Master.csv")->required();

  cli.add_subcommand("version", "Print the version");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help exits 0; every usage error is 2, as README says, whatever CLI11 numbers it.
    return cli.exit(e) == 0 ? 0 : 2;
  }

  if (cli.got_subcommand("version")) {
    std::printf("floorguard %s\n", kVersion);
    return 0;
  }
  Demo seed = demo ? Demo::kSeed : Demo::kNo;
  if (cli.got_subcommand("serve") || cli.got_subcommand("init")) {
    auto config = ResolveConfig(flags);
    if (!config) return Fail(config.error());
    spdlog::set_level(LogLevel(config->log_level));
    return cli.got_subcommand("serve") ? Serve(*config, seed) : Init(*config, seed);
  }
  if (cli.got_subcommand("audit")) return VerifyAudit(flags, public_key_file);
  for (const char* action : {"list", "locked", "unlock", "disable", "enable", "reset"}) {
    if (account->got_subcommand(action)) {
      auto config = ResolveConfig(flags);
      if (!config) return Fail(config.error());
      return AccountCommand(*config, action, account_name, CliActor());
    }
  }
  for (const char* action : {"list", "lift"}) {
    if (ban->got_subcommand(action)) {
      auto config = ResolveConfig(flags);
      if (!config) return Fail(config.error());
      return BanCommand(*config, action, ban_source, CliActor());
    }
  }
  if (cli.got_subcommand("capture") || calls->got_subcommand("list") ||
      recording->got_subcommand("export") || recording->got_subcommand("verify") ||
      recording->got_subcommand("rotate-key") || cdr->got_subcommand("import")) {
    auto config = ResolveConfig(flags);
    if (!config) return Fail(config.error());
    spdlog::set_level(LogLevel(config->log_level));
    if (cli.got_subcommand("capture")) {
      if (!capture_filter.empty()) capture_options.filter = capture_filter;
      return CaptureCommand(*config, capture_options);
    }
    if (calls->got_subcommand("list")) return CallsListCommand(*config, calls_json, calls_limit);
    if (recording->got_subcommand("export")) {
      return RecordingExportCommand(*config, export_call, export_reason, export_format, export_out,
                                    CliActor());
    }
    if (recording->got_subcommand("verify")) return RecordingVerifyCommand(*config, verify_call);
    if (recording->got_subcommand("rotate-key")) return RecordingRotateKeyCommand(*config);
    return CdrImportCommand(*config, cdr_file, CliActor());
  }
  // dlp extensions: dispatch (redact)
  if (cli.got_subcommand("redact")) {
    redact_options.mode = redact_mode == "transcript" ? dlp::Mode::kTranscript : dlp::Mode::kText;
    return RedactCommand(redact_options);
  }
  // dlp extensions: dispatch (scan)
  if (cli.got_subcommand("scan")) {
    scan_cli.unknown = scan_command->remaining();
    return ScanCommand(scan_cli);
  }
  if (retention->got_subcommand("run")) {
    auto config = ResolveConfig(flags);
    if (!config) return Fail(config.error());
    return RetentionCommand(*config, retention_dry_run, retention_vacuum);
  }
  if (cli.got_subcommand("muster")) {
    auto config = ResolveConfig(flags);
    if (!config) return Fail(config.error());
    return MusterCommand(*config, muster_format);
  }
  if (cli.got_subcommand("logscan")) {
    auto config = ResolveConfig(flags);
    if (!config) return Fail(config.error());
    scan.format =
        scan_format == "jsonl" ? LogscanOptions::Format::kJsonl : LogscanOptions::Format::kText;
    return Logscan(*config, scan);
  }
  for (const char* action : {"add", "list", "disable", "enable", "reset", "unlock"}) {
    if (user->got_subcommand(action)) {
      return UserCommand(action, flags, username, role, password_stdin);
    }
  }
  return 2;
}

}  // namespace
}  // namespace fg::app

int main(int argc, char** argv) { return fg::app::Main(argc, argv); }
