// Tests for unpacking .debs: real packages built with `dpkg-deb --build`
// (every compression dpkg writes, root:root owners, a setuid file, a conffile
// and a postinst), and hand-made archives — tars written with libarchive's
// writer inside an ar written here byte by byte, the way dpkg lays it out —
// for what dpkg-deb would never produce: device nodes, odd names, and every
// path-traversal trick. Metadata is compared line by line and errors word for
// word; every failure must leave nothing behind in the store directory.
#include "builder/debian/unpack.hh"

#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "base/files.hh"

namespace cairn::debian {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kTime = 1700000000;

}  // namespace

// Readable failures for EXPECT_EQ on UnpackInfo.
void PrintTo(const UnpackInfo& i, std::ostream* os) {
  *os << fmt::format("{{{} {} {}: {} files, {} dirs, {} symlinks, {} hardlinks, {} specials, {} bytes}}",
                     i.package, i.version, i.architecture, i.files, i.directories, i.symlinks,
                     i.hardlinks, i.specials, i.bytes);
}

namespace {

// A fresh temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "cairn-unpack-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// Runs a shell command; its output goes to `log` and is shown on failure.
void run(const std::string& cmd, const std::string& log) {
  int rc = std::system((cmd + " >" + log + " 2>&1").c_str());
  auto out = read_file(log);
  ASSERT_EQ(rc, 0) << cmd << "\n" << (out ? *out : "");
}

void put(const std::string& path, std::string_view contents, unsigned mode) {
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_TRUE(write_file_atomic(path, contents));
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

std::string slurp(const std::string& path) {
  auto got = read_file(path);
  return got ? *got : "<" + got.error().message + ">";
}

// The names in `dir`, sorted.
std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::ranges::sort(names);
  return names;
}

unsigned disk_mode(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0xffff;
  return st.st_mode & 07777;
}

// ---- packages built with dpkg-deb ------------------------------------------

constexpr std::string_view kControl =
    "Package: hello\n"
    "Version: 1.0-1\n"
    "Architecture: amd64\n"
    "Maintainer: Test <test@example.org>\n"
    "Description: greets\n"
    " A test package.\n";

constexpr std::string_view kPostinst =
    "#!/bin/sh\nset -e\n"
    "update-alternatives --install /usr/bin/greet greet /usr/bin/hello 50\n";

// dpkg-deb copies it; dh_md5sums would have written it.
constexpr std::string_view kMd5sums = "49f68a5c8493ec2c0bf489821c21fc3b  usr/bin/hello\n";

// Builds hello_1.0-1_amd64.deb in `dir` with `dpkg-deb -Z<compression>`.
std::string build_hello(const TempDir& dir, const std::string& compression) {
  std::string tree = dir / "tree";
  put(tree + "/DEBIAN/control", kControl, 0644);
  put(tree + "/DEBIAN/conffiles", "/etc/hello.conf\n", 0644);
  put(tree + "/DEBIAN/postinst", kPostinst, 0755);
  put(tree + "/DEBIAN/md5sums", kMd5sums, 0644);
  put(tree + "/etc/hello.conf", "greeting=hi\n", 0644);
  put(tree + "/usr/bin/hello", "#!/bin/sh\necho hi\n", 0755);
  put(tree + "/usr/bin/hello-suid", "x", 04755);
  put(tree + "/usr/share/doc/hello/copyright", "public domain\n", 0644);
  fs::create_symlink("hello", tree + "/usr/bin/hi");
  fs::create_directories(tree + "/var/lib/hello");
  ::chmod((tree + "/var/lib/hello").c_str(), 0700);
  for (auto* d : {"", "/etc", "/usr", "/usr/bin", "/usr/share", "/usr/share/doc",
                  "/usr/share/doc/hello", "/var", "/var/lib"})
    ::chmod((tree + d).c_str(), 0755);
  std::string deb = dir / ("hello_1.0-1_amd64." + compression + ".deb");
  run(fmt::format("find {0} -exec touch -h -d @{1} {{}} + && SOURCE_DATE_EPOCH={1} "
                  "dpkg-deb --root-owner-group -Z{2} --build {0} {3}",
                  tree, kTime, compression, deb),
      dir / "dpkg-deb.log");
  return deb;
}

constexpr std::string_view kHelloMetadata =
    "# cairn-metadata 1\n"
    "/ dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/etc dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/etc/hello.conf file 0644 0 0 root root 12 1700000000 - - -\n"
    "/usr dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/usr/bin dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/usr/bin/hello file 0755 0 0 root root 18 1700000000 - - -\n"
    "/usr/bin/hello-suid file 4755 0 0 root root 1 1700000000 - - -\n"
    "/usr/bin/hi symlink 0777 0 0 root root 0 1700000000 hello - -\n"
    "/usr/share dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/usr/share/doc dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/usr/share/doc/hello dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/usr/share/doc/hello/copyright file 0644 0 0 root root 14 1700000000 - - -\n"
    "/var dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/var/lib dir 0755 0 0 root root 0 1700000000 - - -\n"
    "/var/lib/hello dir 0700 0 0 root root 0 1700000000 - - -\n";

class UnpackDpkgDeb : public ::testing::TestWithParam<std::string> {};

TEST_P(UnpackDpkgDeb, RecordsRealMetadataAndWritesSafeTree) {
  TempDir dir;
  std::string deb = build_hello(dir, GetParam());
  std::string dest = dir / "store/pkgs/hello";
  auto info = unpack_deb(deb, dest);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(*info, (UnpackInfo{.package = "hello", .version = "1.0-1", .architecture = "amd64",
                               .files = 4, .directories = 10, .symlinks = 1, .bytes = 45}));
  EXPECT_EQ(slurp(dest + "/.cairn/metadata"), kHelloMetadata);

  // The control members that matter are kept, byte for byte.
  EXPECT_EQ(listing(dest + "/.cairn/control"),
            (std::vector<std::string>{"conffiles", "control", "md5sums", "postinst"}));
  EXPECT_EQ(slurp(dest + "/.cairn/control/control"), kControl);
  EXPECT_EQ(slurp(dest + "/.cairn/control/conffiles"), "/etc/hello.conf\n");
  EXPECT_EQ(slurp(dest + "/.cairn/control/postinst"), kPostinst);
  EXPECT_EQ(slurp(dest + "/.cairn/control/md5sums"), kMd5sums);

  // Contents as packed; setuid recorded above but not applied; the private
  // directory stays owner-writable.
  EXPECT_EQ(slurp(dest + "/root/usr/bin/hello"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(slurp(dest + "/root/etc/hello.conf"), "greeting=hi\n");
  EXPECT_EQ(disk_mode(dest + "/root/usr/bin/hello-suid"), 0755u);
  EXPECT_EQ(disk_mode(dest + "/root/usr/bin/hello"), 0755u);
  EXPECT_EQ(disk_mode(dest + "/root/var/lib/hello"), 0700u);
  EXPECT_EQ(fs::read_symlink(dest + "/root/usr/bin/hi"), "hello");
  EXPECT_EQ(disk_mode(dest), 0755u);

  // Only the finished tree is left in the store directory.
  EXPECT_EQ(listing(dir / "store/pkgs"), std::vector<std::string>{"hello"});
}

INSTANTIATE_TEST_SUITE_P(UnpackEachCompression, UnpackDpkgDeb,
                         ::testing::Values("none", "gzip", "xz", "zstd"),
                         [](const auto& info) { return info.param; });

TEST(Unpack, ReadMetadataGivesTheEntries) {
  TempDir dir;
  std::string dest = dir / "hello";
  ASSERT_TRUE(unpack_deb(build_hello(dir, "gzip"), dest));
  auto entries = read_metadata(dest);
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 15u);
  EXPECT_EQ((*entries)[6], (Entry{.path = "/usr/bin/hello-suid", .type = EntryType::file,
                                  .mode = 04755, .user = "root", .group = "root", .size = 1,
                                  .mtime = kTime}));
  EXPECT_EQ((*entries)[7], (Entry{.path = "/usr/bin/hi", .type = EntryType::symlink,
                                  .mode = 0777, .user = "root", .group = "root",
                                  .mtime = kTime, .target = "hello"}));
}

TEST(Unpack, ExistingDestinationIsTakenAsComplete) {
  TempDir dir;
  std::string deb = build_hello(dir, "xz"), dest = dir / "hello";
  auto first = unpack_deb(deb, dest);
  ASSERT_TRUE(first);
  // Even with the .deb gone, the second call only reads the finished tree.
  fs::remove(deb);
  auto second = unpack_deb(deb, dest);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(*second, *first);
}

// ---- hand-made archives -------------------------------------------------------

// One tar entry. `type`: f file, d dir, l symlink, h hard link, c char, b block,
// p fifo. `data`: a file's contents, or a link's target.
struct TarEntry {
  std::string path{};
  char type = 'f';
  unsigned mode = 0644;
  std::string data{};
  int64_t uid = 0, gid = 0;
  std::string user = "root", group = "root";
  unsigned major = 0, minor = 0;
};

la_ssize_t append_to_string(archive*, void* out, const void* buf, size_t n) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// A tar of `entries` compressed with `filter`; GNU format like dpkg's, or
// another libarchive format.
std::string make_tar(const std::vector<TarEntry>& entries, int filter = ARCHIVE_FILTER_NONE,
                     int format = ARCHIVE_FORMAT_TAR_GNUTAR) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format(a, format);
  archive_write_add_filter(a, filter);
  archive_write_open(a, &out, nullptr, append_to_string, nullptr);
  for (const TarEntry& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.path.c_str());
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    if (!t.user.empty()) archive_entry_set_uname(e, t.user.c_str());
    if (!t.group.empty()) archive_entry_set_gname(e, t.group.c_str());
    archive_entry_set_mtime(e, kTime, 0);
    switch (t.type) {
      case 'f':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(e, static_cast<la_int64_t>(t.data.size()));
        break;
      case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
      case 'l':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, t.data.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, t.data.c_str());
        break;
      case 'c':
      case 'b':
        archive_entry_set_filetype(e, t.type == 'c' ? AE_IFCHR : AE_IFBLK);
        archive_entry_set_rdevmajor(e, t.major);
        archive_entry_set_rdevminor(e, t.minor);
        break;
      case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
    }
    archive_write_header(a, e);
    if (t.type == 'f') archive_write_data(a, t.data.data(), t.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// An ar archive as dpkg-deb writes it: "!<arch>\n", then per member a
// 60-byte header and the data padded to an even length.
std::string make_ar(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "!<arch>\n";
  for (const auto& [name, data] : members) {
    out += fmt::format("{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", name, 0, 0, 0, 100644, data.size());
    out += data;
    if (data.size() % 2 != 0) out += '\n';
  }
  return out;
}

std::string control_tar(std::string_view control = "Package: evil\nVersion: 1\nArchitecture: all\n") {
  return make_tar({{.path = "./", .type = 'd', .mode = 0755},
                   {.path = "./control", .data = std::string(control)}},
                  ARCHIVE_FILTER_GZIP);
}

// A .deb in `dir` named `name` with a data.tar of `entries`.
std::string make_deb(const TempDir& dir, const std::string& name,
                     const std::vector<TarEntry>& entries, int filter = ARCHIVE_FILTER_XZ,
                     const std::string& data_member = "data.tar.xz") {
  std::string deb = dir / name;
  std::ofstream(deb, std::ios::binary)
      << make_ar({{"debian-binary", "2.0\n"},
                  {"control.tar.gz", control_tar()},
                  {data_member, make_tar(entries, filter)}});
  return deb;
}

const TarEntry kRootDir{.path = "./", .type = 'd', .mode = 0755};

TEST(Unpack, DevicesAndFifosAreRecordedNotCreated) {
  TempDir dir;
  std::string deb = make_deb(dir, "dev.deb",
                             {kRootDir,
                              {.path = "./dev/", .type = 'd', .mode = 0755},
                              {.path = "./dev/null", .type = 'c', .mode = 0666, .major = 1, .minor = 3},
                              {.path = "./dev/vda", .type = 'b', .mode = 0660, .gid = 6,
                               .group = "disk", .major = 254, .minor = 0},
                              {.path = "./dev/initctl", .type = 'p', .mode = 0600}});
  auto info = unpack_deb(deb, dir / "out");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->specials, 3u);
  EXPECT_EQ(slurp(dir / "out/.cairn/metadata"),
            "# cairn-metadata 1\n"
            "/ dir 0755 0 0 root root 0 1700000000 - - -\n"
            "/dev dir 0755 0 0 root root 0 1700000000 - - -\n"
            "/dev/initctl fifo 0600 0 0 root root 0 1700000000 - - -\n"
            "/dev/null char 0666 0 0 root root 0 1700000000 - 1 3\n"
            "/dev/vda block 0660 0 6 root disk 0 1700000000 - 254 0\n");
  EXPECT_TRUE(listing(dir / "out/root/dev").empty());
}

TEST(Unpack, HardLinksShareTheFile) {
  TempDir dir;
  std::string deb = make_deb(dir, "hl.deb",
                             {kRootDir,
                              {.path = "./bin/", .type = 'd', .mode = 0755},
                              {.path = "./bin/gzip", .mode = 0755, .data = "gz"},
                              {.path = "./bin/gunzip", .type = 'h', .mode = 0755, .data = "./bin/gzip"},
                              {.path = "./bin/zcat", .type = 'h', .mode = 0755, .data = "bin/gunzip"}});
  auto info = unpack_deb(deb, dir / "out");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->hardlinks, 2u);
  // A link to a link records the file itself.
  EXPECT_EQ(slurp(dir / "out/.cairn/metadata"),
            "# cairn-metadata 1\n"
            "/ dir 0755 0 0 root root 0 1700000000 - - -\n"
            "/bin dir 0755 0 0 root root 0 1700000000 - - -\n"
            "/bin/gunzip hardlink 0755 0 0 root root 0 1700000000 /bin/gzip - -\n"
            "/bin/gzip file 0755 0 0 root root 2 1700000000 - - -\n"
            "/bin/zcat hardlink 0755 0 0 root root 0 1700000000 /bin/gzip - -\n");
  struct stat a {}, b {};
  ASSERT_EQ(::stat((dir / "out/root/bin/gzip").c_str(), &a), 0);
  ASSERT_EQ(::stat((dir / "out/root/bin/zcat").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_nlink, 3u);
}

TEST(Unpack, OddNamesAreEscapedAndReadBack) {
  TempDir dir;
  std::string deb = make_deb(dir, "odd.deb",
                             {{.path = "./a b", .data = "1"},
                              {.path = "./back\\slash", .data = "2"},
                              {.path = "./new\nline", .data = "3"},
                              {.path = "./-", .type = 'l', .data = "-", .user = "", .group = ""},
                              {.path = "./caf\xc3\xa9", .data = "4"},
                              {.path = "./x", .type = 'l', .data = "../../etc/passwd"}});
  ASSERT_TRUE(unpack_deb(deb, dir / "out"));
  // Implicit root first; "-" escaped as a value, "-" meaning absent.
  EXPECT_EQ(slurp(dir / "out/.cairn/metadata"),
            "# cairn-metadata 1\n"
            "/ dir 0755 0 0 - - 0 0 - - -\n"
            "/- symlink 0644 0 0 - - 0 1700000000 \\x2d - -\n"
            "/a\\x20b file 0644 0 0 root root 1 1700000000 - - -\n"
            "/back\\x5cslash file 0644 0 0 root root 1 1700000000 - - -\n"
            "/caf\xc3\xa9 file 0644 0 0 root root 1 1700000000 - - -\n"
            "/new\\x0aline file 0644 0 0 root root 1 1700000000 - - -\n"
            "/x symlink 0644 0 0 root root 0 1700000000 ../../etc/passwd - -\n");
  auto entries = read_metadata(dir / "out");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 7u);
  EXPECT_EQ((*entries)[1].path, "/-");
  EXPECT_EQ((*entries)[1].target, "-");
  EXPECT_EQ((*entries)[1].user, "");
  EXPECT_EQ((*entries)[2].path, "/a b");
  EXPECT_EQ((*entries)[3].path, "/back\\slash");
  EXPECT_EQ((*entries)[5].path, "/new\nline");
  EXPECT_EQ(slurp(dir / "out/root/new\nline"), "3");
}

// pax headers carry UTF-8 names (here longer than the 100 bytes of a ustar
// name); they are kept byte for byte whatever the locale.
TEST(Unpack, PaxUtf8Names) {
  TempDir dir;
  const std::string name = "./usr/share/doc/" + std::string(60, 'x') + "/r\xc3\xa9sum\xc3\xa9-" +
                           std::string(60, 'y');
  std::string deb = dir / "pax.deb";
  std::ofstream(deb, std::ios::binary)
      << make_ar({{"debian-binary", "2.0\n"},
                  {"control.tar.gz", control_tar()},
                  {"data.tar", make_tar({{.path = name, .data = "cv", .user = "b\xc3\xb6" "b"}},
                                        ARCHIVE_FILTER_NONE, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED)}});
  ASSERT_TRUE(unpack_deb(deb, dir / "out"));
  auto entries = read_metadata(dir / "out");
  ASSERT_TRUE(entries) << entries.error().message;
  EXPECT_EQ(entries->back().path, name.substr(1));
  EXPECT_EQ(entries->back().user, "b\xc3\xb6" "b");
  EXPECT_EQ(slurp(dir / ("out/root/" + name.substr(2))), "cv");
}

TEST(Unpack, ImplicitParentsAndOnDiskModes) {
  TempDir dir;
  std::string deb = make_deb(dir, "modes.deb",
                             {{.path = "./etc/shadow", .mode = 0640, .gid = 42, .group = "shadow"},
                              {.path = "./etc/", .type = 'd', .mode = 0755},
                              {.path = "./tmp/", .type = 'd', .mode = 01777},
                              {.path = "./usr/bin/sg", .mode = 02755, .data = "s"},
                              {.path = "./usr/share/none", .mode = 0000},
                              {.path = "./usr/share/all", .mode = 0777},
                              {.path = "./ro/", .type = 'd', .mode = 0555},
                              {.path = "./ro/f", .mode = 0444}});
  ASSERT_TRUE(unpack_deb(deb, dir / "out"));
  // /etc was created as a parent first; its own entry then replaces the
  // implicit line. /usr and /usr/bin stay implicit.
  EXPECT_EQ(slurp(dir / "out/.cairn/metadata"),
            "# cairn-metadata 1\n"
            "/ dir 0755 0 0 - - 0 0 - - -\n"
            "/etc dir 0755 0 0 root root 0 1700000000 - - -\n"
            "/etc/shadow file 0640 0 42 root shadow 0 1700000000 - - -\n"
            "/ro dir 0555 0 0 root root 0 1700000000 - - -\n"
            "/ro/f file 0444 0 0 root root 0 1700000000 - - -\n"
            "/tmp dir 1777 0 0 root root 0 1700000000 - - -\n"
            "/usr dir 0755 0 0 - - 0 0 - - -\n"
            "/usr/bin dir 0755 0 0 - - 0 0 - - -\n"
            "/usr/bin/sg file 2755 0 0 root root 1 1700000000 - - -\n"
            "/usr/share dir 0755 0 0 - - 0 0 - - -\n"
            "/usr/share/all file 0777 0 0 root root 0 1700000000 - - -\n"
            "/usr/share/none file 0000 0 0 root root 0 1700000000 - - -\n");
  std::string root = dir / "out/root";
  EXPECT_EQ(disk_mode(root + "/etc/shadow"), 0640u);
  EXPECT_EQ(disk_mode(root + "/tmp"), 0755u);
  EXPECT_EQ(disk_mode(root + "/usr/bin/sg"), 0755u);
  EXPECT_EQ(disk_mode(root + "/usr/share/none"), 0400u);
  EXPECT_EQ(disk_mode(root + "/usr/share/all"), 0755u);
  EXPECT_EQ(disk_mode(root + "/ro"), 0755u);
  EXPECT_EQ(disk_mode(root + "/ro/f"), 0444u);
}

TEST(Unpack, SameDirectoryTwiceIsFine) {
  TempDir dir;
  std::string deb = make_deb(dir, "dup.deb",
                             {kRootDir, {.path = "./d/", .type = 'd'}, {.path = "./d", .type = 'd'},
                              kRootDir});
  auto info = unpack_deb(deb, dir / "out");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->directories, 2u);
}

TEST(Unpack, Bzip2DataAndSignatureMembers) {
  TempDir dir;
  std::string deb = dir / "bz.deb";
  std::ofstream(deb, std::ios::binary)
      << make_ar({{"debian-binary", "2.0\n"},
                  {"_gpgbuilder", "signature"},
                  {"control.tar", make_tar({{.path = "control", .data = "Package: bz\n"}})},
                  {"data.tar.bz2", make_tar({{.path = "f", .data = "bzip2"}}, ARCHIVE_FILTER_BZIP2)}});
  auto info = unpack_deb(deb, dir / "out");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->package, "bz");
  EXPECT_EQ(slurp(dir / "out/root/f"), "bzip2");
}

// dpkg-deb's threaded encoder writes a large data.tar.xz as independent
// blocks; they decode (in parallel, with liblzma's threaded decoder) to the
// same files.
TEST(Unpack, MultiBlockXzData) {
  TempDir dir;
  std::vector<TarEntry> entries;
  for (int i = 0; i < 16; ++i) {
    std::string data;
    for (int j = 0; j < 8000; ++j) data += fmt::format("{:04x}.", (i * 7919 + j * 104729) % 65536);
    entries.push_back({.path = fmt::format("f{:02}", i), .data = std::move(data)});
  }
  std::ofstream(dir / "data.tar", std::ios::binary) << make_tar(entries);
  run(fmt::format("xz -T2 --block-size=65536 --keep {}", dir / "data.tar"), dir / "xz.log");
  // More than one block, or this test would test nothing.
  run(fmt::format("xz --robot --list {} | awk '$1 == \"file\" && $3 > 1 {{ok = 1}} END {{exit !ok}}'",
                  dir / "data.tar.xz"),
      dir / "xz.log");
  std::string deb = dir / "blocks.deb";
  std::ofstream(deb, std::ios::binary)
      << make_ar({{"debian-binary", "2.0\n"},
                  {"control.tar.gz", control_tar()},
                  {"data.tar.xz", slurp(dir / "data.tar.xz")}});
  auto info = unpack_deb(deb, dir / "out");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->files, 16u);
  for (const TarEntry& e : entries) EXPECT_EQ(slurp(dir / ("out/root/" + e.path)), e.data) << e.path;
}

// ---- refused packages -----------------------------------------------------------

struct Refusal {
  std::string name;
  std::vector<TarEntry> entries;
  std::string error;  // after "unpacking <deb>: data.tar.xz entry "
};

const std::string kRefused = "; the package is malformed or malicious and was not unpacked";

class UnpackRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(UnpackRefuses, WithAnErrorAndNothingWritten) {
  TempDir dir;
  std::string deb = make_deb(dir, "evil.deb", GetParam().entries);
  auto got = unpack_deb(deb, dir / "store/evil");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "unpacking " + deb + ": data.tar.xz entry " + GetParam().error + kRefused);
  EXPECT_TRUE(listing(dir / "store").empty());
  EXPECT_FALSE(fs::exists(dir.path() + "/etc"));
}

INSTANTIATE_TEST_SUITE_P(
    UnpackTraversal, UnpackRefuses,
    ::testing::Values(
        Refusal{"DotDot", {kRootDir, {.path = "../evil"}},
                "'../evil' leaves the package ('..' component)"},
        Refusal{"DotSlashDotDot", {kRootDir, {.path = "./../evil"}},
                "'./../evil' leaves the package ('..' component)"},
        Refusal{"DotDotInside", {kRootDir, {.path = "./usr/../../etc/passwd"}},
                "'./usr/../../etc/passwd' leaves the package ('..' component)"},
        Refusal{"Absolute", {kRootDir, {.path = "/etc/passwd"}},
                "'/etc/passwd' is an absolute path"},
        Refusal{"AbsoluteAfterDotSlash", {kRootDir, {.path = ".//etc/passwd"}},
                "'.//etc/passwd' is an absolute path"},
        Refusal{"WriteThroughSymlink",
                {kRootDir, {.path = "./a", .type = 'l', .data = "/etc"}, {.path = "./a/passwd"}},
                "'a/passwd' would be written through the symlink 'a'"},
        Refusal{"DirectoryThroughSymlink",
                {kRootDir, {.path = "./a", .type = 'l', .data = "../.."},
                 {.path = "./a/etc/", .type = 'd'}},
                "'a/etc' would be written through the symlink 'a'"},
        Refusal{"HardLinkOutside", {kRootDir, {.path = "./x", .type = 'h', .data = "../../etc/shadow"}},
                "'x' is a hard link pointing outside the package ('../../etc/shadow')"},
        Refusal{"HardLinkAbsolute", {kRootDir, {.path = "./x", .type = 'h', .data = "/etc/shadow"}},
                "'x' is a hard link pointing outside the package ('/etc/shadow')"},
        Refusal{"HardLinkToSymlink",
                {kRootDir, {.path = "./a", .type = 'l', .data = "/etc/shadow"},
                 {.path = "./x", .type = 'h', .data = "./a"}},
                "'x' is a hard link to 'a', which is not an earlier file of the package"},
        Refusal{"HardLinkToLaterFile",
                {kRootDir, {.path = "./x", .type = 'h', .data = "./f"}, {.path = "./f"}},
                "'x' is a hard link to 'f', which is not an earlier file of the package"},
        Refusal{"InsideAFile", {kRootDir, {.path = "./f"}, {.path = "./f/x"}},
                "'f/x' is inside 'f', which is not a directory"},
        Refusal{"FileTwice", {kRootDir, {.path = "./f", .data = "1"}, {.path = "./f", .data = "2"}},
                "'f' appears twice"},
        Refusal{"SymlinkOverFile",
                {kRootDir, {.path = "./f"}, {.path = "./f", .type = 'l', .data = "/etc/passwd"}},
                "'f' appears twice"},
        Refusal{"DirectoryTwiceDiffering",
                {kRootDir, {.path = "./d", .type = 'd', .mode = 0755},
                 {.path = "./d", .type = 'd', .mode = 0700}},
                "'d' appears twice with different metadata"}),
    [](const auto& info) { return info.param.name; });

// ---- malformed and corrupt files ------------------------------------------------

TEST(UnpackMalformed, ErrorsNameTheFileAndTheProblem) {
  TempDir dir;
  const std::string data = make_tar({{.path = "f"}}, ARCHIVE_FILTER_XZ);
  struct Case {
    std::string name;
    std::string bytes;
    std::string error;  // after "unpacking <deb>: "
  };
  const std::string kFetchAgain =
      "; the file is corrupt: delete it from the store and fetch it again";
  const std::vector<Case> cases = {
      {"html", "<html>404</html>\n",
       "not a .deb (Unrecognized archive format)" + kFetchAgain},
      {"empty-ar", "!<arch>\n", "not a .deb (no debian-binary member)" + kFetchAgain},
      {"no-debian-binary", make_ar({{"control.tar.gz", control_tar()}}),
       "not a .deb (first member is 'control.tar.gz', not debian-binary)" + kFetchAgain},
      {"version", make_ar({{"debian-binary", "2.1\n"}}),
       "debian-binary says '2.1\\x0a', only format 2.0 is supported" + kRefused},
      {"no-data", make_ar({{"debian-binary", "2.0\n"}, {"control.tar.gz", control_tar()}}),
       "not a .deb (no data.tar member)" + kFetchAgain},
      {"data-first", make_ar({{"debian-binary", "2.0\n"}, {"data.tar.xz", data}}),
       "unexpected member 'data.tar.xz'" + kRefused},
      {"extra", make_ar({{"debian-binary", "2.0\n"}, {"control.tar.gz", control_tar()},
                         {"data.tar.xz", data}, {"data.tar.gz", data}}),
       "unexpected member 'data.tar.gz'" + kRefused},
      {"lzma", make_ar({{"debian-binary", "2.0\n"}, {"control.tar.gz", control_tar()},
                        {"data.tar.lzma", data}}),
       "member 'data.tar.lzma' has an unsupported compression" + kRefused},
      {"no-control", make_ar({{"debian-binary", "2.0\n"},
                              {"control.tar", make_tar({{.path = "./md5sums"}})},
                              {"data.tar.xz", data}}),
       "control.tar has no control file" + kRefused},
      {"no-package", make_ar({{"debian-binary", "2.0\n"}, {"control.tar.gz", control_tar("Version: 1\n")},
                              {"data.tar.xz", data}}),
       "the control file has no Package field" + kRefused},
      {"wrong-compression", make_ar({{"debian-binary", "2.0\n"}, {"control.tar.gz", control_tar()},
                                     {"data.tar.gz", data}}),
       "data.tar.gz: Unrecognized archive format" + kFetchAgain},
      {"control-traversal", make_ar({{"debian-binary", "2.0\n"},
                                     {"control.tar", make_tar({{.path = "../control"}})},
                                     {"data.tar.xz", data}}),
       "control.tar entry '../control' leaves the package ('..' component)" + kRefused},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string deb = dir / (c.name + ".deb");
    std::ofstream(deb, std::ios::binary) << c.bytes;
    auto got = unpack_deb(deb, dir / ("store/" + c.name));
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().message, "unpacking " + deb + ": " + c.error);
  }
  EXPECT_TRUE(listing(dir / "store").empty());
}

TEST(UnpackMalformed, MissingFile) {
  TempDir dir;
  auto got = unpack_deb(dir / "missing.deb", dir / "out");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "unpacking " + (dir / "missing.deb") + ": cannot open " +
                                     (dir / "missing.deb") + ": No such file or directory");
  EXPECT_EQ(listing(dir.path()), std::vector<std::string>{});
}

TEST(UnpackCorrupt, TruncatedDeb) {
  TempDir dir;
  std::string deb = build_hello(dir, "xz");
  std::string bytes = slurp(deb);
  std::ofstream(deb, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 100);
  auto got = unpack_deb(deb, dir / "store/hello");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "unpacking " + deb + ": data.tar.xz: Truncated ar archive; the file is corrupt: "
            "delete it from the store and fetch it again");
  EXPECT_TRUE(listing(dir / "store").empty());
}

// Wherever the download stopped, the error says to fetch the file again.
TEST(UnpackCorrupt, TruncatedAnywhere) {
  TempDir dir;
  std::string full = slurp(build_hello(dir, "xz"));
  std::string deb = dir / "cut.deb";
  const std::string kFetchAgain =
      "; the file is corrupt: delete it from the store and fetch it again";
  // The ar magic is 8 bytes, a member header 60, debian-binary 4.
  const std::vector<std::pair<size_t, std::string>> cuts = {
      {0, "not a .deb (empty file)"},
      {7, "not a .deb (Unrecognized archive format)"},
      {8, "not a .deb (no debian-binary member)"},
      {30, "not a .deb (no debian-binary member)"},
      {70, "debian-binary: Truncated ar archive"},
      {72, "not a .deb (no control.tar member)"},
      {200, "control.tar.xz: Truncated ar archive"},
      {full.size() - 100, "data.tar.xz: Truncated ar archive"},
      {full.size() - 1, "data.tar.xz: Truncated ar archive"},
  };
  for (const auto& [cut, error] : cuts) {
    SCOPED_TRACE(cut);
    std::ofstream(deb, std::ios::binary | std::ios::trunc) << full.substr(0, cut);
    auto got = unpack_deb(deb, dir / "store/hello");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().message, "unpacking " + deb + ": " + error + kFetchAgain);
    EXPECT_TRUE(listing(dir / "store").empty());
  }
}

TEST(UnpackCorrupt, DamagedCompressedStream) {
  TempDir dir;
  std::string deb = build_hello(dir, "xz");
  std::string bytes = slurp(deb);
  // Flip bytes in the middle of data.tar.xz, the last member.
  for (size_t i = bytes.size() - 60; i < bytes.size() - 50; ++i) bytes[i] ^= 0x55;
  std::ofstream(deb, std::ios::binary | std::ios::trunc) << bytes;
  auto got = unpack_deb(deb, dir / "store/hello");
  ASSERT_FALSE(got);
#if CAIRN_HAVE_LIBLZMA
  const std::string why = "corrupt xz data";
#else
  const std::string why = "Lzma library error: Corrupted input data";  // libarchive's words
#endif
  EXPECT_EQ(got.error().message, "unpacking " + deb + ": data.tar.xz: " + why +
                                     "; the file is corrupt: delete it from the store and "
                                     "fetch it again");
  EXPECT_TRUE(listing(dir / "store").empty());
}

// ---- many packages --------------------------------------------------------------

TEST(UnpackAll, ResultsInRequestOrderAndFailuresStayLocal) {
  TempDir dir;
  std::vector<UnpackRequest> requests;
  for (int i = 0; i < 6; ++i) {
    std::string name = fmt::format("p{}", i);
    std::string deb = i == 3 ? make_deb(dir, name + ".deb", {{.path = "../x"}})
                             : make_deb(dir, name + ".deb", {{.path = name, .data = name}});
    requests.push_back({deb, dir / ("store/" + name)});
  }
  // The same package twice, to one destination: both succeed, one tree is kept.
  requests.push_back(requests[0]);
  auto results = unpack_all(requests, 3);
  ASSERT_EQ(results.size(), requests.size());
  for (size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE(i);
    if (i == 3) {
      ASSERT_FALSE(results[i]);
      EXPECT_NE(results[i].error().message.find("p3.deb: data.tar.xz entry '../x'"),
                std::string::npos);
      continue;
    }
    ASSERT_TRUE(results[i]) << results[i].error().message;
    EXPECT_EQ(results[i]->files, 1u);
  }
  EXPECT_EQ(slurp(dir / "store/p5/root/p5"), "p5");
  EXPECT_EQ(listing(dir / "store"),
            (std::vector<std::string>{"p0", "p1", "p2", "p4", "p5"}));
}

TEST(UnpackAll, NothingToUnpackIsNoWork) {
  EXPECT_TRUE(unpack_all({}, 0).empty());
}

}  // namespace
}  // namespace cairn::debian
