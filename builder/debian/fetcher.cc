// The download loop. One thread drives every transfer through a curl multi
// handle: start jobs while fewer than `parallel` run, let curl move bytes,
// collect finished transfers, put transient failures back in the queue with
// a due time, redraw progress, repeat until nothing is queued or running.
//
// A transfer owns its `.part` file descriptor (flock'ed, so a second
// process fetching the same file at the same moment fails cleanly instead
// of interleaving bytes) and a running SHA-256. When a `.part` already
// holds bytes — an earlier attempt was cut off — its prefix is hashed from
// disk and the request carries `Range: bytes=N-`. The first body byte
// decides: 206 appends, 200 means the server ignored the range, so the
// file and the hash start over. Size and hash are checked when the
// transfer ends (or at once when a `.part` turns out to be whole already);
// verified files are made durable in batches, with one syncfs(2) per batch
// rather than an fsync per file, then renamed into place. Directories that
// received a file are fsync'd once at the end.
#include "builder/debian/fetcher.hh"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <set>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fmt/format.h>

#include "base/hash.hh"

namespace cairn::debian {

namespace {

using Clock = std::chrono::steady_clock;

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes and reports close(2)'s error (it can report a failed write-back).
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_ = -1;
};

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p of the directory holding `path`.
Result<void> make_parents(const std::string& path) {
  std::string dir = dir_of(path);
  struct stat st{};
  if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
      return fail(fmt::format("cannot create directory {}: {}", prefix, std::strerror(errno)));
  }
  return {};
}

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view http_reason(long status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// What a user can do about an HTTP status.
std::string_view http_hint(long status) {
  if (status == 404 || status == 410)
    return "the server does not have this file — if the index is older than the mirror, "
           "refresh it (cairn lock --update), otherwise check the mirror URI";
  if (status == 401 || status == 403 || status == 407)
    return "the server refused access — check the mirror URI and the proxy settings";
  if (is_transient(CURLE_OK, status)) return "the server kept failing — try again later or use another mirror";
  return "check the mirror URI";
}

// What a user can do about a curl error.
std::string_view curl_hint(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return "check the network connection, the mirror URI and the proxy settings";
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return "the connection kept breaking — run again to resume (partial files are kept)";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return "check the system's CA certificates and clock";
    case CURLE_FILE_COULDNT_READ_FILE:
      return "check that the file exists and is readable";
    default:
      return "check the URL";
  }
}

// A file to fetch and what has happened to it so far.
struct Job {
  size_t index = 0;
  int attempts = 0;
  bool resume_ok = false;   // a non-empty .part may be continued
  Clock::time_point due{};  // not before (backoff)
  long status = 0;          // of the last attempt
  int curl_code = 0;
};

struct Run;

// One attempt at one file.
struct Transfer {
  Run* run = nullptr;
  Job job;
  const FetchRequest* req = nullptr;
  std::string part;
  CURL* easy = nullptr;
  Fd fd;
  std::unique_ptr<Sha256> hash = std::make_unique<Sha256>();
  std::uint64_t offset = 0;   // bytes kept from an earlier attempt
  std::uint64_t written = 0;  // bytes in .part now
  bool range_requested = false;
  bool body_started = false;
  bool discard = false;        // an error status: the body is not the file
  bool size_exceeded = false;  // aborted: more bytes than expected
  std::string write_error;     // aborted: writing .part failed
  long range_start = -1;       // from Content-Range of the last response
  bool stalled = false;        // abandoned: no data for stall_timeout
  Clock::time_point last_data = Clock::now();
  char errbuf[CURL_ERROR_SIZE] = {};
};

// State of one `fetch` call.
struct Run {
  const FetchOptions* options = nullptr;
  std::span<const FetchRequest> requests;
  FetchReport report;
  std::vector<std::uint64_t> known_size;  // per request; 0 = unknown
  std::uint64_t bytes_finished = 0;       // of verified files
  std::uint64_t bytes_failed = 0;         // known sizes of given-up files
  std::set<std::string> synced_dirs;      // need an fsync at the end
  Clock::time_point started = Clock::now();
  std::deque<std::pair<Clock::time_point, std::uint64_t>> samples;  // rate window
};

// Discards `t`'s .part contents and hash, for a fresh start.
Result<void> truncate_part(Transfer& t) {
  if (::ftruncate(t.fd.get(), 0) != 0 || ::lseek(t.fd.get(), 0, SEEK_SET) != 0)
    return fail(fmt::format("cannot truncate {}: {}", t.part, std::strerror(errno)));
  t.hash = std::make_unique<Sha256>();
  t.offset = 0;
  t.written = 0;
  return {};
}

// Called before the first body byte (or at the end, for an empty body):
// the response status says what the body is.
void begin_body(Transfer& t) {
  t.body_started = true;
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300) {
    t.discard = true;
    return;
  }
  // 200 to a Range request: the server sent the whole file. 206 starting
  // elsewhere than asked: trust nothing. Both start over.
  bool whole = status == 200 || (status == 206 && t.range_start != static_cast<long>(t.offset));
  if (t.range_requested && whole) {
    t.run->report.stats.resumed -= 1;
    t.run->report.stats.bytes_resumed -= t.offset;
    if (auto r = truncate_part(t); !r) t.write_error = r.error().message;
    if (status == 206) {
      t.discard = true;
      t.write_error = "the server answered a Range request with another range";
    }
  }
  // A file of unknown size counts towards the progress total from now on.
  std::uint64_t& known = t.run->known_size[t.job.index];
  curl_off_t length = -1;
  if (known == 0 && curl_easy_getinfo(t.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
      length > 0)
    known = t.offset + static_cast<std::uint64_t>(length);
}

size_t on_header(char* buffer, size_t size, size_t count, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  t->last_data = Clock::now();
  std::string_view line(buffer, size * count);
  if (line.starts_with("HTTP/")) t->range_start = -1;  // a new response (redirects)
  constexpr std::string_view key = "content-range:";
  if (line.size() > key.size() &&
      std::equal(key.begin(), key.end(), line.begin(),
                 [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    // "Content-Range: bytes 100-199/200"
    auto bytes = line.find("bytes");
    if (bytes != std::string_view::npos) {
      auto p = line.find_first_of("0123456789", bytes);
      if (p != std::string_view::npos) t->range_start = std::strtol(line.data() + p, nullptr, 10);
    }
  }
  return size * count;
}

size_t on_data(char* ptr, size_t size, size_t count, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t len = size * count;
  t->last_data = Clock::now();
  if (!t->body_started) begin_body(*t);
  if (!t->write_error.empty()) return 0;  // aborts the transfer
  if (t->discard) return len;
  if (t->req->size && t->written + len > *t->req->size) {
    t->size_exceeded = true;
    return 0;
  }
  for (size_t done = 0; done < len;) {
    ssize_t n = ::write(t->fd.get(), ptr + done, len - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      t->write_error = fmt::format("cannot write {}: {}", t->part, std::strerror(errno));
      return 0;
    }
    done += static_cast<size_t>(n);
  }
  t->hash->update(std::string_view(ptr, len));
  t->written += len;
  t->run->report.stats.bytes_received += len;
  return len;
}

// "" when the received bytes hash to the expected sha256 (or none is
// expected), else what was wrong. Spends the running hash.
std::string hash_mismatch(Transfer& t) {
  if (t.req->sha256.empty()) return "";
  std::string got = t.hash->hex_digest();
  if (got == t.req->sha256) return "";
  return fmt::format("sha256 is {}, expected {} ({} bytes)", got, t.req->sha256, t.written);
}

bool valid_sha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

// ---- policy -------------------------------------------------------------

bool is_transient(int curl_code, long http_status) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_OK:
      return http_status == 408 || http_status == 429 || (http_status >= 500 && http_status < 600);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds backoff_delay(int attempt, const FetchOptions& options) {
  if (attempt <= 1) return std::chrono::milliseconds{0};
  auto delay = options.backoff_initial;
  for (int i = 2; i < attempt && delay < options.backoff_max; ++i) delay *= 2;
  return std::min(delay, options.backoff_max);
}

Error FetchReport::error() const {
  std::string msg = fmt::format("{} of {} downloads failed:", failures.size(),
                                failures.size() + stats.files);
  for (const auto& f : failures) msg += "\n  " + f.message;
  return Error{std::move(msg)};
}

// ---- the loop -----------------------------------------------------------

struct Fetcher::Impl {
  CURLM* multi = nullptr;

  Impl() {
    ensure_curl_initialised();
    multi = curl_multi_init();
  }
  ~Impl() { curl_multi_cleanup(multi); }

  Run* run = nullptr;
  std::deque<Job> ready;                          // may start now
  std::multimap<Clock::time_point, Job> delayed;  // backing off
  std::map<CURL*, std::unique_ptr<Transfer>> active;

  void fail_job(const Job& job, std::string message, long status, int code);
  void retry_or_fail(Transfer& t, bool transient, bool keep_part, std::string what,
                     std::string_view hint);
  void start(Job job);
  void finish(Transfer& t, CURLcode code);
  void end(CURL* easy, CURLcode code);
  // Verified files waiting for `commit`, which makes a batch durable with
  // one syncfs(2) — an fsync per file would cost a disk flush each (~7 ms)
  // and stall every transfer while it waits — then renames them. The
  // .part descriptors (and their flocks) are held until the rename.
  struct Verified {
    Job job;
    Fd fd;
    std::string part;
    std::uint64_t bytes = 0;
  };
  std::vector<Verified> verified;
  std::uint64_t verified_bytes = 0;
  Clock::time_point verified_since{};

  Result<void> complete(Transfer& t);
  void commit();
  bool commit_due() const;
  void report_progress(bool final);
};

void Fetcher::Impl::fail_job(const Job& job, std::string message, long status, int code) {
  run->report.failures.push_back(FetchFailure{job.index, run->requests[job.index].url, status, code,
                                              job.attempts, std::move(message)});
  run->bytes_failed += run->known_size[job.index];
}

// Ends an attempt that went wrong: queue another one if the failure is
// transient and attempts are left, else record the failure.
void Fetcher::Impl::retry_or_fail(Transfer& t, bool transient, bool keep_part, std::string what,
                                  std::string_view hint) {
  Job job = t.job;
  // A permanent failure leaves nothing behind; a transient one keeps the
  // .part for the next attempt or the next run.
  if (!keep_part || !transient) {
    ::unlink(t.part.c_str());  // before the flock goes with the descriptor
    t.fd.reset();
  }
  job.resume_ok = keep_part;
  if (transient && job.attempts < run->options->max_attempts) {
    job.due = Clock::now() + backoff_delay(job.attempts + 1, *run->options);
    ++run->report.stats.retries;
    delayed.emplace(job.due, job);
    return;
  }
  std::string tries = job.attempts > 1 ? fmt::format(" (gave up after {} attempts)", job.attempts) : "";
  fail_job(job, fmt::format("{}: {}{}; {}", t.req->url, what, tries, hint), job.status, job.curl_code);
}

void Fetcher::Impl::start(Job job) {
  const FetchRequest& req = run->requests[job.index];
  auto t = std::make_unique<Transfer>();
  t->run = run;
  t->req = &req;
  t->part = req.partial.empty() ? req.dest + ".part" : req.partial;
  ++job.attempts;
  t->job = job;

  auto local_failure = [&](std::string what) {
    fail_job(t->job, fmt::format("{}: {}; check free space and permissions", req.url, what), 0, 0);
  };
  for (const std::string* path : std::initializer_list<const std::string*>{&t->part, &req.dest}) {
    if (auto r = make_parents(*path); !r) return local_failure(r.error().message);
  }
  t->fd = Fd(::open(t->part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (t->fd.get() < 0)
    return local_failure(fmt::format("cannot open {}: {}", t->part, std::strerror(errno)));
  if (::flock(t->fd.get(), LOCK_EX | LOCK_NB) != 0) {
    // Another process is writing this .part; its lock goes when it ends.
    return retry_or_fail(*t, true, true, fmt::format("{} is being written by another process", t->part),
                         "wait for the other cairn to finish");
  }

  // Keep what an earlier attempt left, if it can belong to this file.
  struct stat st{};
  ::fstat(t->fd.get(), &st);
  auto existing = static_cast<std::uint64_t>(st.st_size);
  bool keep = existing > 0 && job.resume_ok && (!req.size || existing <= *req.size);
  if (existing > 0 && !keep) {
    if (auto r = truncate_part(*t); !r) return local_failure(r.error().message);
  } else if (keep) {
    char buf[1 << 16];
    for (std::uint64_t pos = 0; pos < existing;) {
      ssize_t n = ::pread(t->fd.get(), buf, sizeof buf, static_cast<off_t>(pos));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return local_failure(fmt::format("cannot read {}: {}", t->part, std::strerror(errno)));
      t->hash->update(std::string_view(buf, static_cast<size_t>(n)));
      pos += static_cast<std::uint64_t>(n);
    }
    ::lseek(t->fd.get(), 0, SEEK_END);
    t->offset = t->written = existing;
    if (req.size && existing == *req.size) {
      // Whole already (an earlier run stopped before the rename)?
      if (hash_mismatch(*t).empty()) {
        if (auto r = complete(*t); !r) return local_failure(r.error().message);
        return;
      }
      // Not the right bytes after all: fetch it all again.
      if (auto r = truncate_part(*t); !r) return local_failure(r.error().message);
    }
  }

  t->easy = curl_easy_init();
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "cairn");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, static_cast<long>(run->options->connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  if (t->offset > 0) {
    std::string range = fmt::format("{}-", t->offset);
    curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());  // copied by curl
    t->range_requested = true;
    ++run->report.stats.resumed;
    run->report.stats.bytes_resumed += t->offset;
  }
  curl_multi_add_handle(multi, e);
  active.emplace(e, std::move(t));
}

// Queues a verified .part for the next commit.
Result<void> Fetcher::Impl::complete(Transfer& t) {
  if (::fchmod(t.fd.get(), 0644) != 0)
    return fail(fmt::format("cannot chmod {}: {}", t.part, std::strerror(errno)));
  if (verified.empty()) verified_since = Clock::now();
  run->bytes_finished += t.written;
  verified_bytes += t.written;
  if (run->known_size[t.job.index] == 0) run->known_size[t.job.index] = t.written;
  verified.push_back(Verified{t.job, std::move(t.fd), t.part, t.written});
  return {};
}

// A batch is committed when it is large or old, so that files appear
// steadily during a long fetch and little is lost to a crash.
bool Fetcher::Impl::commit_due() const {
  if (verified.empty()) return false;
  return verified.size() >= 64 || verified_bytes >= (256u << 20) ||
         Clock::now() - verified_since >= std::chrono::seconds(1);
}

// Makes the verified files durable and renames each into place. The rename
// happens while the flock is held, so a process that opened the same .part
// meanwhile cannot take it over.
void Fetcher::Impl::commit() {
  if (verified.empty()) return;
  // One syncfs per file system the batch touches.
  bool synced = true;
  std::set<dev_t> devices;
  for (auto& v : verified) {
    struct stat st{};
    if (::fstat(v.fd.get(), &st) != 0 || (devices.insert(st.st_dev).second && ::syncfs(v.fd.get()) != 0))
      synced = false;
  }
  for (auto& v : verified) {
    const FetchRequest& req = run->requests[v.job.index];
    std::string problem;
    if (!synced && ::fdatasync(v.fd.get()) != 0)
      problem = fmt::format("cannot write {}: {}", v.part, std::strerror(errno));
    else if (::rename(v.part.c_str(), req.dest.c_str()) != 0)
      problem = fmt::format("cannot rename {} to {}: {}", v.part, req.dest, std::strerror(errno));
    if (!problem.empty()) ::unlink(v.part.c_str());
    v.fd.reset();
    if (!problem.empty()) {
      run->bytes_finished -= v.bytes;
      fail_job(v.job, fmt::format("{}: {}; check free space and permissions", req.url, problem), 0, 0);
      continue;
    }
    ++run->report.stats.files;
    run->synced_dirs.insert(dir_of(req.dest));
  }
  verified.clear();
  verified_bytes = 0;
}

void Fetcher::Impl::finish(Transfer& t, CURLcode code) {
  long status = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
  t.job.status = status;
  t.job.curl_code = code;
  const FetchRequest& req = *t.req;

  if (t.size_exceeded) {
    // With a resumed prefix the file may have changed between attempts.
    if (t.offset > 0) return retry_or_fail(t, true, false, "the resumed file grew", "try again");
    return retry_or_fail(t, false, false,
                         fmt::format("server sent more than the expected {} bytes", *req.size),
                         "the file differs from what the signed index lists — the mirror may be "
                         "mid-update: try again later or use another mirror");
  }
  if (!t.write_error.empty()) {
    bool range_mixup = t.discard;
    return retry_or_fail(t, range_mixup, false, t.write_error,
                         range_mixup ? "try again" : "check free space and permissions");
  }
  if (code != CURLE_OK) {
    std::string what = curl_easy_strerror(code);
    if (t.stalled)
      what += fmt::format(" (no data for {} s)", run->options->stall_timeout.count());
    else if (t.errbuf[0] && what != t.errbuf)
      what += fmt::format(" ({})", t.errbuf);
    return retry_or_fail(t, is_transient(code, 0), true, what, curl_hint(code));
  }
  if (status >= 300) {
    auto reason = http_reason(status);
    std::string what = fmt::format("HTTP {}{}{}", status, reason.empty() ? "" : " ", reason);
    if (status == 416 && t.range_requested) {
      // The .part is no prefix of the file on the server: start over.
      return retry_or_fail(t, true, false, what, "try again");
    }
    return retry_or_fail(t, is_transient(CURLE_OK, status), true, what, http_hint(status));
  }
  if (!t.body_started) begin_body(t);  // an empty body
  if (!t.write_error.empty())
    return retry_or_fail(t, false, false, t.write_error, "check free space and permissions");

  if (req.size && t.written < *req.size) {
    // The server closed early without saying so: resume.
    return retry_or_fail(t, true, true, fmt::format("received {} of {} bytes", t.written, *req.size),
                         curl_hint(CURLE_PARTIAL_FILE));
  }
  if (std::string wrong = hash_mismatch(t); !wrong.empty()) {
    // A kept prefix may have come from an older file: one more try from 0.
    if (t.offset > 0) return retry_or_fail(t, true, false, wrong, "try again");
    return retry_or_fail(t, false, false, wrong,
                         "the file differs from what the signed index lists — the mirror may be "
                         "mid-update: try again later or use another mirror");
  }
  if (auto r = complete(t); !r)
    return retry_or_fail(t, false, false, r.error().message, "check free space and permissions");
}

// Takes a transfer out of curl and decides what its outcome means.
void Fetcher::Impl::end(CURL* easy, CURLcode code) {
  auto it = active.find(easy);
  curl_multi_remove_handle(multi, easy);
  std::unique_ptr<Transfer> t = std::move(it->second);
  active.erase(it);
  finish(*t, code);
  curl_easy_cleanup(easy);
}

void Fetcher::Impl::report_progress(bool final) {
  ProgressSink* sink = run->options->progress;
  if (!sink) return;
  FetchProgress p;
  p.files_total = run->requests.size();
  p.files_done = run->report.stats.files + verified.size();
  p.files_failed = run->report.failures.size();
  p.active = active.size();
  for (auto s : run->known_size) p.bytes_total += s;
  p.bytes_total -= std::min(p.bytes_total, run->bytes_failed);
  p.bytes_done = run->bytes_finished;
  for (const auto& [_, t] : active) p.bytes_done += t->written;
  auto now = Clock::now();
  p.elapsed_seconds = std::chrono::duration<double>(now - run->started).count();

  // Rate over a window of the last five seconds of samples.
  std::uint64_t net = run->report.stats.bytes_received;
  run->samples.emplace_back(now, net);
  while (run->samples.size() > 2 && now - run->samples.front().first > std::chrono::seconds(5))
    run->samples.pop_front();
  auto [t0, b0] = run->samples.front();
  double span = std::chrono::duration<double>(now - t0).count();
  if (span >= 0.5)
    p.bytes_per_second = static_cast<double>(net - b0) / span;
  else if (p.elapsed_seconds > 0)
    p.bytes_per_second = static_cast<double>(net) / p.elapsed_seconds;
  if (p.bytes_total >= p.bytes_done && p.bytes_per_second > 0)
    p.eta_seconds = static_cast<double>(p.bytes_total - p.bytes_done) / p.bytes_per_second;
  if (final)
    sink->finish(p);
  else
    sink->update(p);
}

Fetcher::Fetcher(FetchOptions options) : options_(options), impl_(std::make_unique<Impl>()) {
  options_.parallel = std::max(1, options_.parallel);
  options_.max_attempts = std::max(1, options_.max_attempts);
}

Fetcher::~Fetcher() = default;

FetchReport Fetcher::fetch(std::span<const FetchRequest> requests) {
  Run run;
  run.options = &options_;
  run.requests = requests;
  run.known_size.resize(requests.size());
  Impl& im = *impl_;
  im.run = &run;

  // Largest first: a big file started last would make a long tail.
  std::vector<size_t> order;
  std::set<std::string> dests;
  for (size_t i = 0; i < requests.size(); ++i) {
    const FetchRequest& r = requests[i];
    run.known_size[i] = r.size.value_or(0);
    Job job{.index = i, .resume_ok = !r.sha256.empty()};
    std::string problem;
    if (r.url.empty()) problem = "empty URL";
    else if (r.dest.empty()) problem = "no destination";
    else if (!r.sha256.empty() && !valid_sha256(r.sha256))
      problem = fmt::format("'{}' is not a sha256 (64 lowercase hex digits)", r.sha256);
    else if (!dests.insert(r.dest).second)
      problem = fmt::format("{} is the destination of an earlier request too", r.dest);
    if (!problem.empty()) {
      im.fail_job(job, fmt::format("{}: {}; this is a bug in the caller", r.url, problem), 0, 0);
      continue;
    }
    order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return run.known_size[a] > run.known_size[b]; });
  for (size_t i : order) im.ready.push_back(Job{.index = i, .resume_ok = !requests[i].sha256.empty()});

  auto last_progress = Clock::now();
  while (!im.ready.empty() || !im.delayed.empty() || !im.active.empty()) {
    auto now = Clock::now();
    while (!im.delayed.empty() && im.delayed.begin()->first <= now) {
      im.ready.push_back(im.delayed.begin()->second);
      im.delayed.erase(im.delayed.begin());
    }
    while (!im.ready.empty() && im.active.size() < static_cast<size_t>(options_.parallel)) {
      Job job = im.ready.front();
      im.ready.pop_front();
      im.start(job);
    }

    int running = 0;
    curl_multi_perform(im.multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(im.multi, &queued)) {
      if (msg->msg == CURLMSG_DONE) im.end(msg->easy_handle, msg->data.result);
    }
    // Stalls are judged here rather than by curl's low-speed limit, which
    // averages over several seconds and so notices a stall late.
    now = Clock::now();
    for (auto it = im.active.begin(); it != im.active.end();) {
      CURL* easy = it->first;
      bool stalled = now - it->second->last_data > options_.stall_timeout;
      ++it;
      if (stalled) {
        im.active.at(easy)->stalled = true;
        im.end(easy, CURLE_OPERATION_TIMEDOUT);
      }
    }

    if (im.commit_due()) im.commit();
    now = Clock::now();
    if (now - last_progress >= options_.progress_interval) {
      im.report_progress(false);
      last_progress = now;
    }
    if (im.active.empty() && im.ready.empty() && im.delayed.empty()) break;
    // Sleep until curl has work, a backoff ends or progress is due.
    auto wait = options_.progress_interval;
    if (!im.delayed.empty())
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                im.delayed.begin()->first - now) + std::chrono::milliseconds(1));
    if (im.ready.empty() || im.active.size() >= static_cast<size_t>(options_.parallel))
      curl_multi_poll(im.multi, nullptr, 0, static_cast<int>(std::max<long>(0, wait.count())), nullptr);
  }

  im.commit();
  // Renames are durable only once their directories are.
  for (const auto& dir : run.synced_dirs) {
    Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d.get() >= 0) ::fsync(d.get());
  }
  run.report.stats.seconds = std::chrono::duration<double>(Clock::now() - run.started).count();
  im.report_progress(true);
  std::sort(run.report.failures.begin(), run.report.failures.end(),
            [](const FetchFailure& a, const FetchFailure& b) { return a.index < b.index; });
  im.run = nullptr;
  return std::move(run.report);
}

Result<FetchStats> Fetcher::fetch_all(std::span<const FetchRequest> requests) {
  FetchReport report = fetch(requests);
  if (!report.ok()) return std::unexpected(report.error());
  return report.stats;
}

}  // namespace cairn::debian
