// Running external programs with posix_spawn and one poll loop.
//
// posix_spawn (glibc's is vfork-like and reports exec failures as an error
// code) starts the program with pipes as its standard streams; every other
// descriptor is closed in the child (close-on-exec for cairn's own, and
// closefrom(3) for any the caller inherited), so nothing else leaks into it.
// The parent then writes standard input and drains standard output and
// standard error in a single poll loop until all three are done, and reaps
// the child. While writing, SIGPIPE is blocked in the calling thread, so a
// program that stops reading early gives EPIPE (which ends its input)
// rather than killing cairn; a SIGPIPE left pending is consumed before the
// mask is restored.
//
// Every descriptor is owned by an `Fd` and the child by a `Child` guard that
// kills and reaps it if the call fails half-way, so no error path leaks a
// descriptor or a zombie.
#include "base/subprocess.hh"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

#include "base/fd.hh"
#include "base/lines.hh"

extern char** environ;

namespace cairn {

namespace {

constexpr std::string_view default_path = "/usr/local/bin:/usr/bin:/bin";


struct Pipe {
  Fd read;
  Fd write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// A spawned child: killed and reaped on scope exit unless `wait` reaped it.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // Waits for the child to end; returns its wait status.
  Result<int> wait() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0) {
      if (errno != EINTR) return fail(fmt::format("cannot wait for it: {}", std::strerror(errno)));
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

// Owns posix_spawn's attribute and file-action objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

// Blocks SIGPIPE in this thread for its lifetime; a SIGPIPE raised meanwhile
// by a write to a closed pipe is consumed before the old mask returns.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlock() {
    if (!was_pending_) {
      struct timespec zero{};
      while (::sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

// The environment for the child: the caller's with `changes` applied.
std::vector<std::string> child_environment(const std::vector<std::string>& changes) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  for (const auto& change : changes) {
    auto eq = change.find('=');
    std::string_view name = std::string_view(change).substr(0, eq);
    std::erase_if(env, [&](const std::string& entry) {
      return entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
             entry[name.size()] == '=';
    });
    if (eq != std::string::npos) env.push_back(change);
  }
  return env;
}

// The value of PATH in an environment list, if set.
std::optional<std::string_view> path_in(const std::vector<std::string>& env) {
  for (const auto& entry : env)
    if (entry.starts_with("PATH=")) return std::string_view(entry).substr(5);
  return std::nullopt;
}

bool is_executable_file(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Reads what is available on `fd` into `out`; returns false at end of file.
Result<bool> drain(int fd, std::string& out, std::string_view stream) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buf) return true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return true;
    return fail(fmt::format("cannot read its {}: {}", stream, std::strerror(errno)));
  }
}

}  // namespace

std::string RunResult::describe() const {
  if (signal != 0) return fmt::format("was killed by signal {} ({})", signal, ::strsignal(signal));
  return fmt::format("exited with status {}", exit_status);
}

Result<std::string> find_program(std::string_view name, std::optional<std::string_view> path) {
  if (name.empty()) return fail("cannot run a program with an empty name");
  if (name.find('/') != std::string_view::npos) {
    std::string file(name);
    if (!is_executable_file(file)) return fail(fmt::format("{}: not an executable file", name));
    return file;
  }
  std::string_view dirs = path ? *path : [] {
    const char* p = std::getenv("PATH");
    return p ? std::string_view(p) : default_path;
  }();
  std::string_view rest = dirs;
  while (true) {
    auto colon = rest.find(':');
    std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      std::string candidate = fmt::format("{}/{}", dir, name);
      if (is_executable_file(candidate)) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return fail(fmt::format("{}: not found on PATH ({})", name, dirs));
}

Result<RunResult> run(std::string_view program, const std::vector<std::string>& args,
                      const RunOptions& options) {
  auto context = [&](const Error& e) { return e.context(fmt::format("cannot run {}", program)); };

  // The lookup uses the PATH the program will see, so a test's PATH in
  // `options.env` finds its stand-in.
  std::vector<std::string> env = child_environment(options.env);
  auto file = find_program(program, path_in(env).value_or(default_path));
  if (!file) return fail("cannot run " + file.error().message);

  auto in = make_pipe();
  if (!in) return std::unexpected(context(in.error()));
  auto out = make_pipe();
  if (!out) return std::unexpected(context(out.error()));
  auto err = make_pipe();
  if (!err) return std::unexpected(context(err.error()));

  SpawnSetup setup;
  if (options.stdin_data)
    posix_spawn_file_actions_adddup2(&setup.actions, in->read.get(), 0);
  else
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, out->write.get(), 1);
  posix_spawn_file_actions_adddup2(&setup.actions, err->write.get(), 2);
  // Descriptors the caller inherited without close-on-exec stay out too.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, options.cwd.c_str());
  // Ignored signals and the mask survive exec; the program gets neither,
  // so a caller that ignores SIGPIPE does not change how gpgv behaves.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  // argv[0] is the name as asked for, as a shell would pass it.
  std::vector<char*> argv;
  std::string argv0(program);
  argv.push_back(argv0.data());
  std::vector<std::string> arg_copies = args;  // posix_spawn takes char*, not const char*
  for (auto& a : arg_copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, file->c_str(), &setup.actions, &setup.attr, argv.data(), envp.data());
  if (rc != 0) {
    if (rc == ENOENT && !options.cwd.empty() && ::access(options.cwd.c_str(), F_OK) != 0)
      return fail(fmt::format("cannot run {} in {}: {}", program, options.cwd, std::strerror(rc)));
    return fail(fmt::format("cannot run {} ({}): {}", program, *file, std::strerror(rc)));
  }
  Child child(pid);
  // The child holds its own copies; ours would keep the pipes open.
  in->read.reset();
  out->write.reset();
  err->write.reset();

  // Non-blocking ends: a write takes what fits in the pipe and a read what is
  // there, so the loop never sleeps anywhere but in poll.
  RunResult result;
  std::string_view input = options.stdin_data.value_or(std::string_view());
  if (!options.stdin_data || input.empty()) in->write.reset();
  if (in->write.valid()) ::fcntl(in->write.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(out->read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err->read.get(), F_SETFL, O_NONBLOCK);

  {
    SigpipeBlock no_sigpipe;
    while (in->write.valid() || out->read.valid() || err->read.valid()) {
      pollfd fds[3];
      nfds_t n = 0;
      int in_slot = -1, out_slot = -1, err_slot = -1;
      if (in->write.valid()) fds[in_slot = static_cast<int>(n++)] = {in->write.get(), POLLOUT, 0};
      if (out->read.valid()) fds[out_slot = static_cast<int>(n++)] = {out->read.get(), POLLIN, 0};
      if (err->read.valid()) fds[err_slot = static_cast<int>(n++)] = {err->read.get(), POLLIN, 0};
      if (::poll(fds, n, -1) < 0) {
        if (errno == EINTR) continue;
        return fail(fmt::format("cannot run {}: poll: {}", program, std::strerror(errno)));
      }
      if (in_slot >= 0 && fds[in_slot].revents != 0) {
        ssize_t w = ::write(in->write.get(), input.data(), input.size());
        if (w > 0) {
          input.remove_prefix(static_cast<size_t>(w));
          if (input.empty()) in->write.reset();
        } else if (w < 0 && errno == EPIPE) {
          in->write.reset();  // it stopped reading; the rest of its input is dropped
        } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
          return fail(fmt::format("cannot run {}: cannot write its standard input: {}", program,
                                  std::strerror(errno)));
        }
      }
      if (out_slot >= 0 && fds[out_slot].revents != 0) {
        size_t had = result.out.size();
        auto more = drain(out->read.get(), result.out, "standard output");
        if (!more) return std::unexpected(context(more.error()));
        if (options.on_output && result.out.size() > had)
          options.on_output(1, std::string_view(result.out).substr(had));
        if (!*more) out->read.reset();
      }
      if (err_slot >= 0 && fds[err_slot].revents != 0) {
        size_t had = result.err.size();
        auto more = drain(err->read.get(), result.err, "standard error");
        if (!more) return std::unexpected(context(more.error()));
        if (options.on_output && result.err.size() > had)
          options.on_output(2, std::string_view(result.err).substr(had));
        if (!*more) err->read.reset();
      }
    }
  }

  auto status = child.wait();
  if (!status) return std::unexpected(context(status.error()));
  if (WIFSIGNALED(*status)) {
    result.exit_status = -1;
    result.signal = WTERMSIG(*status);
  } else {
    result.exit_status = WEXITSTATUS(*status);
  }
  return result;
}

std::string quote_stderr(std::string_view err, size_t max_bytes) {
  if (err.size() > max_bytes) err = err.substr(err.size() - max_bytes);
  std::string out;
  for (std::string_view line : split_lines(err)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (!line.empty()) out += (out.empty() ? "" : "; ") + std::string(line);
  }
  return out;
}

}  // namespace cairn
