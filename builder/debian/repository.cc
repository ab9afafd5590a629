#include "builder/debian/repository.hh"

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/hash.hh"

#include <unistd.h>

namespace cairn::debian {

namespace {

ReleaseCheck release_check(const RepositorySettings& s) {
  ReleaseCheck check;
  if (!s.keyrings.empty()) check.keyrings = s.keyrings;
  check.suite = s.suite;
  return check;
}

std::string dists(const RepositorySettings& s) { return s.mirror + "/dists/" + s.suite; }

// Decompresses an .xz/.gz index (any filter libarchive knows) into `dest`,
// through a temporary file.
Result<void> decompress(const std::string& src, const std::string& dest) {
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  auto cleanup = [&] { archive_read_free(a); };
  if (archive_read_open_filename(a, src.c_str(), 1 << 16) != ARCHIVE_OK) {
    std::string e = archive_error_string(a) ? archive_error_string(a) : "unknown error";
    cleanup();
    return fail(fmt::format("cannot open {}: {}", src, e));
  }
  archive_entry* entry;
  std::string out;
  if (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    char buf[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n < 0) {
        std::string e = archive_error_string(a) ? archive_error_string(a) : "unknown error";
        cleanup();
        return fail(fmt::format("cannot decompress {}: {}; delete it from the store and fetch again", src, e));
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  cleanup();
  return write_file_atomic(dest, out);
}

// The Packages files of every component, decompressed next to their
// compressed originals (`<sha256>.Packages`).
Result<Index> packages_of(const RepositorySettings& s, const Store& store, Fetcher* fetcher, Release release) {
  Index index{std::move(release), {}};
  std::vector<StoreFetch> wanted;
  std::vector<IndexFile> files;
  for (const std::string& component : s.components) {
    auto f = packages_index(index.release, component, s.architecture);
    if (!f) return std::unexpected(f.error());
    files.push_back(*f);
    if (!store.has(f->sha256, StoreKind::index))
      wanted.push_back(StoreFetch{f->sha256, dists(s) + "/" + f->path, f->size});
  }
  if (!wanted.empty()) {
    if (!fetcher)
      return fail(fmt::format("the store lacks {} index file(s) of {} {}/{} pinned by cairn.lock; run `cairn lock` "
                              "(which fetches them) or `cairn lock --update`",
                              wanted.size(), s.mirror, s.suite, s.architecture));
    if (auto r = store.ensure_all(wanted, *fetcher, StoreKind::index); !r) return std::unexpected(r.error());
  }
  for (const IndexFile& f : files) {
    std::string compressed = store.path_for(f.sha256, StoreKind::index);
    std::string plain = compressed + ".Packages";
    if (::access(plain.c_str(), R_OK) != 0)
      if (auto r = decompress(compressed, plain); !r) return std::unexpected(r.error());
    index.packages.push_back(PackagesFile{plain, f.sha256});
  }
  return index;
}

}  // namespace

Result<Index> update_index(const RepositorySettings& s, const Store& store, Fetcher& fetcher) {
  std::string url = dists(s) + "/InRelease";
  std::string tmp = store.tmp_dir() + "/InRelease-" + s.suite + "-" + s.architecture;
  FetchRequest req{url, tmp, std::nullopt, "", ""};
  if (auto r = fetcher.fetch_all(std::span<const FetchRequest>(&req, 1)); !r) return std::unexpected(r.error());
  auto text = read_file(tmp);
  ::unlink(tmp.c_str());
  if (!text) return std::unexpected(text.error());
  auto release = verify_inrelease(*text, dists(s), release_check(s));
  if (!release) return std::unexpected(release.error());
  // Keep the verified InRelease by its hash: cairn.lock pins it.
  std::string stored = store.path_for(release->inrelease_sha256, StoreKind::index);
  if (!store.has(release->inrelease_sha256, StoreKind::index))
    if (auto r = write_file_atomic(stored, *text); !r) return std::unexpected(r.error());
  return packages_of(s, store, &fetcher, std::move(*release));
}

Result<Index> load_locked_index(const RepositorySettings& s, const Store& store, const std::string& inrelease_sha256) {
  if (!store.has(inrelease_sha256, StoreKind::index))
    return fail(fmt::format("the store has no InRelease {} for {}/{} (pinned by cairn.lock); run `cairn lock` to "
                            "fetch the pinned index, or `cairn lock --update` for a new one",
                            inrelease_sha256.substr(0, 12), s.suite, s.architecture));
  std::string path = store.path_for(inrelease_sha256, StoreKind::index);
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  if (sha256_hex(*text) != inrelease_sha256)
    return fail(fmt::format("{} does not match its hash; delete it and run `cairn lock`", path));
  // Pinned by hash: the signature is checked again, Valid-Until is not (a
  // locked build must keep working after the archive moved on).
  ReleaseCheck check = release_check(s);
  check.now = std::chrono::sys_seconds{};
  auto release = verify_inrelease(*text, dists(s), check);
  if (!release) return std::unexpected(release.error());
  return packages_of(s, store, nullptr, std::move(*release));
}

Result<std::string> debian_architecture(std::string_view platform) {
  if (platform == "x86_64-linux") return std::string("amd64");
  if (platform == "aarch64-linux") return std::string("arm64");
  return fail(fmt::format("platform `{}' has no Debian architecture here (known: x86_64-linux, aarch64-linux)",
                          platform));
}

}  // namespace cairn::debian
