// The progress line (see fetch_progress.hh).
#include "builder/debian/fetch_progress.hh"

#include <cerrno>
#include <unistd.h>

#include <fmt/format.h>

namespace cairn::debian {

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  int u = 0;
  while (v >= 1024 && u < 3) v /= 1024, ++u;
  return fmt::format("{:.1f} {}", v, units[u]);
}

namespace {

std::string format_duration(double seconds) {
  auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

class LineProgress : public ProgressSink {
 public:
  explicit LineProgress(int fd) : fd_(fd) {}

  void update(const FetchProgress& p) override {
    std::string line = format_progress_line(p);
    emit("\r" + line + "\033[K");
    shown_ = true;
  }

  void finish(const FetchProgress& p) override {
    if (p.files_done == 0 && p.files_failed == 0) {
      if (shown_) emit("\r\033[K");
      return;
    }
    double rate = p.elapsed_seconds > 0 ? p.bytes_done / p.elapsed_seconds : 0;
    emit(fmt::format("\rfetched {} file{}, {} in {:.1f} s ({}/s){}\033[K\n", p.files_done,
                     p.files_done == 1 ? "" : "s", format_bytes(p.bytes_done), p.elapsed_seconds,
                     format_bytes(static_cast<std::uint64_t>(rate)),
                     p.files_failed ? fmt::format(", {} failed", p.files_failed) : ""));
  }

 private:
  void emit(const std::string& s) {
    for (size_t done = 0; done < s.size();) {
      ssize_t n = ::write(fd_, s.data() + done, s.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // progress is best effort
      done += static_cast<size_t>(n);
    }
  }

  int fd_;
  bool shown_ = false;
};

}  // namespace

std::string format_progress_line(const FetchProgress& p) {
  std::string line = fmt::format("{}/{} files  ", p.files_done, p.files_total);
  if (p.bytes_total > 0)
    line += fmt::format("{}/{}", format_bytes(p.bytes_done), format_bytes(p.bytes_total));
  else
    line += format_bytes(p.bytes_done);
  line += fmt::format("  {}/s", format_bytes(static_cast<std::uint64_t>(p.bytes_per_second)));
  if (p.eta_seconds >= 0) line += "  ETA " + format_duration(p.eta_seconds);
  if (p.files_failed > 0) line += fmt::format("  {} failed", p.files_failed);
  return line;
}

std::unique_ptr<ProgressSink> line_progress(int fd) { return std::make_unique<LineProgress>(fd); }

std::unique_ptr<ProgressSink> terminal_progress() {
  if (!::isatty(2)) return nullptr;
  return line_progress(2);
}

}  // namespace cairn::debian
