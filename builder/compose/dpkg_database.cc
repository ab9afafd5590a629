// The dpkg database of a generation, written by compose instead of by dpkg.
//
// cairn never installs a package on the machine: it unpacks the .debs in the
// store, composes the root tree and packs it into an image, running no
// maintainer script and no dpkg. So nothing ever writes /var/lib/dpkg, and
// without it `dpkg -l`, `dpkg -L`, `dpkg -S`, `apt list --installed` and the
// vulnerability scanners (debsecan and trivy read status, info/*.list and
// info/*.md5sums) see an empty system. Everything they need is known at
// build time — each package's control files and its file list are in the
// store — so add_dpkg_database() writes the admin directory as dpkg would
// have left it with every package installed and configured.
//
// It lives in the image, at /usr/lib/cairn/dpkg, and not in /var: /var is the
// machine's persistent state partition, shared by every generation, while
// the database describes one generation. A tmpfiles.d line (`L+`) turns
// /var/lib/dpkg into a symlink to it at every boot, replacing whatever was
// there; as /usr is the running generation's image, the link shows the
// running generation's packages, also after an in-place switch. The
// directory is read-only like the rest of /usr, so `apt install` and `dpkg -i`
// fail with a read-only error, which is right on an immutable system.
//
// The layout is dpkg 1.21's: `status` (the control fields plus `Status:` and
// `Conffiles:`), `info/` with the `.list`, `.md5sums`, `.conffiles` and
// `.triggers` files (named `<pkg>:<arch>.*` for Multi-Arch: same packages,
// which `info/format` announces — without it dpkg-query looks for
// `<pkg>.list` and finds no files), and the empty `updates/` and
// `triggers/` directories every admin directory has (dpkg-query 1.21 works
// without them, but apt looks into updates/). There is no `available`:
// `dpkg -l` works without it, and `dpkg -p` fails with or without an empty
// one. The `.list` files hold the paths as the packages ship them
// ("/bin/ls"), not where merged /usr put them: dpkg does the same on a
// merged-/usr Debian system, where `dpkg -S /usr/bin/ls` finds nothing too.
//
// What it leaves out: the maintainer scripts (nothing may run them), the
// diversions and statoverride files (dpkg-divert --list and
// dpkg-statoverride --list show nothing), alternatives/ and arch, and the
// md5sums dpkg computes at unpack time for a package that ships none
// (`dpkg --audit` lists such packages as needing a reinstall).
#include "builder/compose/dpkg_database.hh"

#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "base/files.hh"
#include "base/lines.hh"
#include "builder/debian/deb822.hh"
#include "builder/debian/unpack.hh"

namespace cairn::compose {

namespace {

using debian::field_name_equal;

/// The info files copied from a package's control files, besides the .list.
constexpr std::string_view kCopiedControlFiles[] = {"md5sums", "conffiles", "triggers"};

/// The tmpfiles.d file's text.
constexpr std::string_view kTmpfiles =
    "# The dpkg database of the running generation, written by cairn into the image (read-only).\n"
    "L+ /var/lib/dpkg - - - - /usr/lib/cairn/dpkg\n";

/// MD5 of `data` in lowercase hex, as dpkg records conffiles.
std::string md5_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// A control file of the package, or nullopt when it has none of that name.
Result<std::optional<std::string>> read_control_file(const PackageDir& pkg, std::string_view name) {
  std::string path = pkg.dir + "/.cairn/control/" + std::string(name);
  if (::access(path.c_str(), F_OK) != 0) return std::nullopt;
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  return std::optional<std::string>(std::move(*text));
}

/// One package, read from the store.
struct DbPackage {
  const PackageDir* dir = nullptr;
  /// The control file's text; `fields` point into it, so it stays where it
  /// is when the DbPackage moves (a short string would move with it).
  std::unique_ptr<const std::string> control;
  debian::Paragraph fields;  ///< its one paragraph
  std::string architecture;
  bool multi_arch_same = false;
  std::vector<debian::Entry> entries;
  /// Control file name ("md5sums") → content, for those the package has.
  std::map<std::string, std::string, std::less<>> copied;

  /// The stem of its info files: "<name>" or "<name>:<arch>".
  std::string info_stem() const {
    return multi_arch_same ? dir->name + ":" + architecture : dir->name;
  }
};

/// The `Conffiles:` value (starting with its newline) for the package's
/// conffiles control file `text`: " <path> <md5>" per conffile.
Result<std::string> conffiles_value(const DbPackage& p, std::string_view text) {
  std::map<std::string_view, const debian::Entry*> by_path;
  for (const debian::Entry& e : p.entries) by_path[e.path] = &e;
  std::string value;
  size_t line_no = 0;
  for (std::string_view raw : split_lines(text)) {
    std::string_view line = trim(raw);
    ++line_no;
    // deb-conffiles(5): a flag may precede the path; a remove-on-upgrade
    // conffile is one the package no longer ships, so not installed.
    if (line.empty() || line.starts_with("remove-on-upgrade ")) continue;
    if (line.front() != '/')
      return fail(fmt::format("conffiles line {}: \"{}\" is not an absolute path", line_no, line));
    std::string hash = "newconffile";
    auto it = by_path.find(line);
    if (it != by_path.end() &&
        (it->second->type == debian::EntryType::file || it->second->type == debian::EntryType::hardlink)) {
      auto bytes = read_file(p.dir->dir + "/root" + std::string(line));
      if (!bytes) return std::unexpected(bytes.error().context(fmt::format("conffile {}", line)));
      hash = md5_hex(*bytes);
    }
    value += fmt::format("\n {} {}", line, hash);
  }
  return value;
}

/// `Name: value` as dpkg writes it; a value starting with its newline (a
/// multi-line value with an empty first line) follows the colon directly.
std::string field_text(std::string_view name, std::string_view value) {
  if (value.empty() || value.front() == '\n') return fmt::format("{}:{}\n", name, value);
  return fmt::format("{}: {}\n", name, value);
}

/// The package's stanza of the status file, without the blank line after it.
Result<std::string> status_stanza(const DbPackage& p) {
  std::string conffiles;
  if (auto it = p.copied.find("conffiles"); it != p.copied.end()) {
    auto value = conffiles_value(p, it->second);
    if (!value) return std::unexpected(value.error());
    conffiles = field_text("Conffiles", *value);
  }
  std::string out;
  for (const debian::Field& f : p.fields.fields()) {
    if (field_name_equal(f.name, "Status") || field_name_equal(f.name, "Conffiles")) continue;
    if (field_name_equal(f.name, "Description")) out += std::exchange(conffiles, "");
    out += field_text(f.name, f.value);
    if (field_name_equal(f.name, "Package")) out += "Status: install ok installed\n";
  }
  return out + conffiles;
}

/// `info/<stem>.list`: "/." and every path but the root.
std::string list_text(const DbPackage& p) {
  std::string out = "/.\n";
  for (const debian::Entry& e : p.entries)
    if (e.path != "/") out += e.path + "\n";
  return out;
}

/// Reads what the database needs of one package.
Result<DbPackage> read_package(const PackageDir& pkg) {
  DbPackage p;
  p.dir = &pkg;
  auto control = read_control_file(pkg, "control");
  if (!control) return std::unexpected(control.error());
  if (!*control) return fail(fmt::format("{}/.cairn/control/control is missing", pkg.dir));
  p.control = std::make_unique<const std::string>(std::move(**control));
  debian::Deb822Reader reader(*p.control, pkg.dir + "/.cairn/control/control");
  auto first = reader.next(p.fields);
  if (!first) return std::unexpected(first.error());
  debian::Paragraph rest;
  auto second = reader.next(rest);
  if (!second) return std::unexpected(second.error());
  if (!*first || *second)
    return fail(fmt::format("{}/.cairn/control/control holds {} paragraph", pkg.dir,
                            *first ? "more than one" : "no"));
  if (p.fields.get("Package") != pkg.name)
    return fail(fmt::format("its control file says \"Package: {}\"", p.fields.get("Package")));
  p.architecture = std::string(p.fields.get("Architecture"));
  p.multi_arch_same = field_name_equal(p.fields.get("Multi-Arch"), "same");
  auto entries = debian::read_metadata(pkg.dir);
  if (!entries) return std::unexpected(entries.error());
  p.entries = std::move(*entries);
  for (std::string_view name : kCopiedControlFiles) {
    auto text = read_control_file(pkg, name);
    if (!text) return std::unexpected(text.error());
    if (*text) p.copied.emplace(name, std::move(**text));
  }
  return p;
}

}  // namespace

Result<void> add_dpkg_database(RootTree& tree, const std::vector<PackageDir>& packages) {
  if (packages.empty()) return {};
  // Everything is read and built first, so that an error leaves the tree as it was.
  std::vector<DbPackage> db;
  for (const PackageDir& pkg : packages) {
    auto p = read_package(pkg);
    if (!p)
      return std::unexpected(p.error().context(fmt::format("writing the dpkg database: package {}", pkg.name)));
    db.push_back(std::move(*p));
  }
  std::sort(db.begin(), db.end(), [](const DbPackage& a, const DbPackage& b) {
    return std::tie(a.dir->name, a.architecture) < std::tie(b.dir->name, b.architecture);
  });

  std::string dir(kDpkgDatabaseDir);
  std::map<std::string, std::string> files;  // tree path → text
  std::string status;
  for (size_t i = 0; i < db.size(); ++i) {
    const DbPackage& p = db[i];
    auto context = [&](const Error& e) {
      return std::unexpected(e.context(fmt::format("writing the dpkg database: package {}", p.dir->name)));
    };
    // Only Multi-Arch: same packages may be there twice, once per architecture.
    if (i > 0 && db[i - 1].dir->name == p.dir->name &&
        (db[i - 1].info_stem() == p.info_stem() || !p.multi_arch_same || !db[i - 1].multi_arch_same))
      return context(Error{"given twice (only a Multi-Arch: same package may be, once per architecture)"});
    auto stanza = status_stanza(p);
    if (!stanza) return context(stanza.error());
    status += *stanza + "\n";
    std::string stem = dir + "/info/" + p.info_stem();
    files[stem + ".list"] = list_text(p);
    for (const auto& [name, text] : p.copied) files[stem + "." + name] = text;
  }
  files[dir + "/status"] = std::move(status);
  files[dir + "/info/format"] = "1\n";
  files[std::string(kDpkgTmpfilesPath)] = std::string(kTmpfiles);

  tree.set_dir(dir);
  for (std::string_view sub : {"info", "triggers", "updates"}) tree.set_dir(dir + "/" + std::string(sub));
  for (auto& [path, text] : files) tree.set_file(path, std::move(text), 0644);
  return {};
}

}  // namespace cairn::compose
