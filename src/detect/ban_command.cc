// BanCommand: runs the configured argv for an address ban, without a shell, on a background
// thread. posix_spawn (vfork-like) rather than fork: the server is large and multithreaded.
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "detect/internal/worker.h"
#include "detect/sinks.h"

extern char** environ;

namespace fg::detect {

namespace {

constexpr size_t kMaxOutput = 512;

struct RunResult {
  bool started = false;
  bool timed_out = false;
  int exit_status = -1;  // -1 when killed by a signal
  std::string output;    // the first bytes of stdout+stderr, for the log
};

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

RunResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  RunResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGHUP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env, nullptr};
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    result.output = std::strerror(rc);
    return result;
  }
  result.started = true;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool pipe_open = true;
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 20));
    if (pipe_open) {
      pollfd p{.fd = pipe_fds[0], .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, wait_ms) > 0) {
        char buf[1024];
        ssize_t n = ::read(pipe_fds[0], buf, sizeof(buf));
        if (n > 0) {
          size_t keep = std::min(static_cast<size_t>(n), kMaxOutput - result.output.size());
          result.output.append(buf, keep);
        } else if (n == 0 || errno != EINTR) {
          pipe_open = false;
        }
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    }
  }
  ::close(pipe_fds[0]);
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  return result;
}

}  // namespace

Result<std::vector<std::string>> BanArgv(std::span<const std::string> argv_template,
                                         std::string_view address, std::chrono::seconds seconds) {
  if (address.size() > 64) return InvalidArgument("address", "is not an IP address literal");
  std::string text(address);
  char canonical[INET6_ADDRSTRLEN] = {};
  unsigned char bytes[16];
  if (::inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    ::inet_ntop(AF_INET, bytes, canonical, sizeof(canonical));
  } else if (::inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    ::inet_ntop(AF_INET6, bytes, canonical, sizeof(canonical));
  } else {
    return InvalidArgument("address", "is not an IP address literal");
  }
  if (seconds.count() <= 0) return InvalidArgument("seconds", "must be positive");
  std::vector<std::string> out;
  for (const auto& arg : argv_template) {
    out.push_back(ReplaceAll(ReplaceAll(arg, "{address}", canonical), "{seconds}",
                             std::to_string(seconds.count())));
  }
  return out;
}

struct BanCommand::Impl {
  BanCommandOptions options;
  std::atomic<uint64_t> succeeded{0}, failed{0}, refused{0}, dropped{0};
  std::atomic<int> last_exit_status{-1};
  std::unique_ptr<internal::Worker> worker;

  ~Impl() {
    if (worker) worker->Stop();
  }

  void Execute(const std::vector<std::string>& argv, const std::string& address) {
    RunResult r = Run(argv, options.timeout);
    if (r.exit_status >= 0) last_exit_status = r.exit_status;
    if (r.started && !r.timed_out && r.exit_status == 0) {
      ++succeeded;
      spdlog::info("detect: ban command for {} succeeded", address);
      return;
    }
    ++failed;
    std::string why = !r.started          ? std::string("could not start")
                      : r.timed_out       ? std::string("timed out and was killed")
                      : r.exit_status < 0 ? std::string("killed by a signal")
                                          : "exit status " + std::to_string(r.exit_status);
    spdlog::warn("detect: ban command for {} failed: {}; output: {}", address, why, r.output);
  }
};

Result<std::unique_ptr<BanCommand>> BanCommand::Start(BanCommandOptions options) {
  if (options.argv.empty() || options.argv[0].empty() || options.argv[0][0] != '/') {
    return InvalidArgument("argv", "must start with the absolute path of a program");
  }
  if (options.timeout.count() <= 0) return InvalidArgument("timeout", "must be positive");
  std::unique_ptr<BanCommand> command(new BanCommand());
  command->impl_ = std::make_unique<Impl>();
  command->impl_->options = std::move(options);
  command->impl_->worker =
      std::make_unique<internal::Worker>(command->impl_->options.queue_capacity);
  return command;
}

BanCommand::BanCommand() = default;
BanCommand::~BanCommand() { Stop(); }

Result<void> BanCommand::Ban(std::string_view address, std::chrono::seconds duration) {
  if (!impl_) return MakeError(ErrorCode::kFailedPrecondition, "ban command not started");
  auto argv = BanArgv(impl_->options.argv, address, duration);
  if (!argv) {
    ++impl_->refused;
    return tl::unexpected(argv.error());
  }
  Impl* impl = impl_.get();
  // The canonical address (as substituted) is what gets logged.
  std::string canonical = BanArgv(std::vector<std::string>{"{address}"}, address, duration)
                              .value_or(std::vector<std::string>{""})
                              .front();
  if (!impl->worker->Post(
          [impl, argv = std::move(*argv), a = std::move(canonical)] { impl->Execute(argv, a); })) {
    ++impl->dropped;
    return MakeError(ErrorCode::kResourceExhausted, "ban command queue is full");
  }
  return {};
}

void BanCommand::Stop() {
  if (impl_) impl_->worker->Stop();
}

BanCommandStats BanCommand::Stats() const {
  if (!impl_) return {};
  return {impl_->succeeded.load(), impl_->failed.load(), impl_->refused.load(),
          impl_->dropped.load(), impl_->last_exit_status.load()};
}

}  // namespace fg::detect
