// Tests for the generation's dpkg database. Three fake packages — a
// Multi-Arch: same library with md5sums, a package with conffiles, triggers
// and a multi-line Description, and a plain one — go through
// add_dpkg_database; the generated files are checked word for word, and then
// the real dpkg-query reads the materialized database (`-W`, `-L`, `-S`,
// `-l`, `${Conffiles}`), which must answer without a warning. Those runs skip
// with the reason when dpkg-query is not installed.
#include "builder/compose/dpkg_database.hh"

#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/subprocess.hh"
#include "base/temp_dir_test.hh"
#include "builder/compose/test_packages.hh"

namespace cairn::compose {
namespace {

using testing::FakeEntry;
using testing::make_package_dir;

constexpr std::string_view kLibControl =
    "Package: libfoo1\n"
    "Source: foo\n"
    "Version: 1.2.3-1\n"
    "Architecture: amd64\n"
    "Maintainer: Foo Maintainers <foo@example.org>\n"
    "Installed-Size: 40\n"
    "Depends: libc6 (>= 2.34)\n"
    "Section: libs\n"
    "Priority: optional\n"
    "Multi-Arch: same\n"
    "Description: the foo library\n";

constexpr std::string_view kLibMd5sums =
    "d41d8cd98f00b204e9800998ecf8427e  usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3\n";

// Description is multi-line with a paragraph separator; Conffiles goes before it.
constexpr std::string_view kLoginControl =
    "Package: login\n"
    "Version: 1:4.13+dfsg1-1\n"
    "Architecture: amd64\n"
    "Maintainer: Shadow Maintainers <shadow@example.org>\n"
    "Pre-Depends: libc6 (>= 2.34),\n"
    " libpam0g (>= 0.99.7.1)\n"
    "Essential: yes\n"
    "Description: system login tools\n"
    " These tools are required to be able to login and use\n"
    " your system.\n"
    " .\n"
    " The login program invokes your user shell.\n"
    "Homepage: https://github.com/shadow-maint/shadow\n";

// A blank line, a flagged conffile the package no longer ships, and one it
// lacks (a regular file is not there: it is a directory).
constexpr std::string_view kLoginConffiles =
    "/etc/login.defs\n"
    "/etc/pam.d/login\n"
    "\n"
    "remove-on-upgrade /etc/securetty\n"
    "/etc/motd.d\n";

constexpr std::string_view kHelloControl =
    "Package: hello\n"
    "Version: 2.10-3\n"
    "Architecture: amd64\n"
    "Maintainer: Santiago Vila <sanvila@debian.org>\n"
    "Description: example package based on GNU hello\n";

constexpr std::string_view kStatus =
    "Package: hello\n"
    "Status: install ok installed\n"
    "Version: 2.10-3\n"
    "Architecture: amd64\n"
    "Maintainer: Santiago Vila <sanvila@debian.org>\n"
    "Description: example package based on GNU hello\n"
    "\n"
    "Package: libfoo1\n"
    "Status: install ok installed\n"
    "Source: foo\n"
    "Version: 1.2.3-1\n"
    "Architecture: amd64\n"
    "Maintainer: Foo Maintainers <foo@example.org>\n"
    "Installed-Size: 40\n"
    "Depends: libc6 (>= 2.34)\n"
    "Section: libs\n"
    "Priority: optional\n"
    "Multi-Arch: same\n"
    "Description: the foo library\n"
    "\n"
    "Package: login\n"
    "Status: install ok installed\n"
    "Version: 1:4.13+dfsg1-1\n"
    "Architecture: amd64\n"
    "Maintainer: Shadow Maintainers <shadow@example.org>\n"
    "Pre-Depends: libc6 (>= 2.34),\n"
    " libpam0g (>= 0.99.7.1)\n"
    "Essential: yes\n"
    "Conffiles:\n"
    " /etc/login.defs 900150983cd24fb0d6963f7d28e17f72\n"  // md5("abc")
    " /etc/pam.d/login d41d8cd98f00b204e9800998ecf8427e\n"  // md5("")
    " /etc/motd.d newconffile\n"
    "Description: system login tools\n"
    " These tools are required to be able to login and use\n"
    " your system.\n"
    " .\n"
    " The login program invokes your user shell.\n"
    "Homepage: https://github.com/shadow-maint/shadow\n"
    "\n";

class DpkgDatabaseTest : public ::testing::Test {
 protected:
  /// The three packages, in no particular order.
  std::vector<PackageDir> packages() {
    return {
        make_package_dir(dir_ / "login", "login",
                         {{.path = "/bin/login", .mode = 0755, .content = "ELF"},
                          {.path = "/etc/login.defs", .content = "abc"},
                          {.path = "/etc/pam.d/login", .content = ""},
                          {.path = "/etc/motd.d", .type = EntryType::dir, .mode = 0755}},
                         {{"control", std::string(kLoginControl)},
                          {"conffiles", std::string(kLoginConffiles)},
                          {"triggers", "activate-noawait ldconfig\n"},
                          {"postinst", "#!/bin/sh\nexit 0\n"}}),
        make_package_dir(dir_ / "libfoo1", "libfoo1",
                         {{.path = "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3", .content = ""},
                          {.path = "/usr/lib/x86_64-linux-gnu/libfoo.so.1", .type = EntryType::symlink,
                           .mode = 0777, .target = "libfoo.so.1.2.3"}},
                         {{"control", std::string(kLibControl)}, {"md5sums", std::string(kLibMd5sums)}}),
        make_package_dir(dir_ / "hello", "hello", {{.path = "/usr/bin/hello", .mode = 0755, .content = "hi"}},
                         {{"control", std::string(kHelloControl)}}),
    };
  }

  /// The text of the generated file at `path`, or "<missing>".
  std::string text(const RootTree& tree, std::string_view path) {
    const Node* n = tree.find(path);
    return n ? n->text : "<missing>";
  }

  TempDir dir_{"dpkg-db"};
};

TEST_F(DpkgDatabaseTest, StatusHasOneStanzaPerPackageInNameOrder) {
  RootTree tree;
  ASSERT_TRUE(add_dpkg_database(tree, packages()));
  EXPECT_EQ(text(tree, "usr/lib/cairn/dpkg/status"), kStatus);
}

TEST_F(DpkgDatabaseTest, InfoFilesAreNamedAndFilledAsDpkgDoes) {
  RootTree tree;
  ASSERT_TRUE(add_dpkg_database(tree, packages()));
  struct Case {
    std::string path;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"usr/lib/cairn/dpkg/info/format", "1\n"},
      {"usr/lib/cairn/dpkg/info/hello.list", "/.\n/usr\n/usr/bin\n/usr/bin/hello\n"},
      {"usr/lib/cairn/dpkg/info/libfoo1:amd64.list",
       "/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libfoo.so.1\n"
       "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3\n"},
      {"usr/lib/cairn/dpkg/info/libfoo1:amd64.md5sums", std::string(kLibMd5sums)},
      // The paths as shipped: /bin/login, not usr/bin/login.
      {"usr/lib/cairn/dpkg/info/login.list", "/.\n/bin\n/bin/login\n/etc\n/etc/login.defs\n/etc/motd.d\n/etc/pam.d\n"
                                             "/etc/pam.d/login\n"},
      {"usr/lib/cairn/dpkg/info/login.conffiles", std::string(kLoginConffiles)},
      {"usr/lib/cairn/dpkg/info/login.triggers", "activate-noawait ldconfig\n"},
      {"usr/lib/tmpfiles.d/cairn-dpkg.conf",
       "# The dpkg database of the running generation, written by cairn into the image (read-only).\n"
       "L+ /var/lib/dpkg - - - - /usr/lib/cairn/dpkg\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(text(tree, c.path), c.text) << c.path;
    if (const Node* n = tree.find(c.path)) {
      EXPECT_EQ(n->type, EntryType::file) << c.path;
      EXPECT_EQ(n->mode, 0644u) << c.path;
      EXPECT_EQ(n->uid, 0u) << c.path;
      EXPECT_EQ(n->gid, 0u) << c.path;
    }
  }
  // Exactly these info files: no maintainer scripts, no arch-less name for libfoo1.
  std::vector<std::string> info = tree.list("usr/lib/cairn/dpkg/info");
  EXPECT_EQ(info, (std::vector<std::string>{
                      "usr/lib/cairn/dpkg/info/format", "usr/lib/cairn/dpkg/info/hello.list",
                      "usr/lib/cairn/dpkg/info/libfoo1:amd64.list", "usr/lib/cairn/dpkg/info/libfoo1:amd64.md5sums",
                      "usr/lib/cairn/dpkg/info/login.conffiles", "usr/lib/cairn/dpkg/info/login.list",
                      "usr/lib/cairn/dpkg/info/login.triggers"}));
  for (std::string_view d : {"usr/lib/cairn/dpkg", "usr/lib/cairn/dpkg/info", "usr/lib/cairn/dpkg/updates",
                             "usr/lib/cairn/dpkg/triggers"}) {
    const Node* n = tree.find(d);
    ASSERT_NE(n, nullptr) << d;
    EXPECT_EQ(n->type, EntryType::dir) << d;
    EXPECT_EQ(n->mode, 0755u) << d;
  }
  EXPECT_TRUE(tree.list("usr/lib/cairn/dpkg/updates").empty());
  EXPECT_TRUE(tree.list("usr/lib/cairn/dpkg/triggers").empty());
  EXPECT_EQ(tree.find("usr/lib/cairn/dpkg/available"), nullptr);
}

TEST_F(DpkgDatabaseTest, FieldsAreWrittenAsDpkgWritesThemAndStatusIsReplaced) {
  // A control file short enough for the small-string buffer, a Status of
  // its own, an empty value and a list starting on the next line.
  RootTree tree;
  ASSERT_TRUE(add_dpkg_database(
      tree, {make_package_dir(dir_ / "a", "a", {},
                              {{"control", "Package: a\nStatus: purge ok not-installed\nX-Empty:\n"
                                           "X-List:\n one\n two\n"}})}));
  EXPECT_EQ(text(tree, "usr/lib/cairn/dpkg/status"),
            "Package: a\nStatus: install ok installed\nX-Empty:\nX-List:\n one\n two\n\n");
}

TEST_F(DpkgDatabaseTest, NoPackagesWriteNothing) {
  RootTree tree;
  ASSERT_TRUE(add_dpkg_database(tree, {}));
  EXPECT_TRUE(tree.nodes().empty());
}

TEST_F(DpkgDatabaseTest, ErrorsNameThePackageAndLeaveTheTreeAlone) {
  PackageDir hello = make_package_dir(dir_ / "hello", "hello", {}, {{"control", std::string(kHelloControl)}});
  PackageDir no_control = make_package_dir(dir_ / "bare", "bare", {});
  std::filesystem::remove(dir_ / "bare/.cairn/control/control");
  PackageDir no_metadata = make_package_dir(dir_ / "nometa", "nometa", {});
  std::filesystem::remove(dir_ / "nometa/.cairn/metadata");
  PackageDir renamed = make_package_dir(dir_ / "renamed", "renamed", {}, {{"control", "Package: other\n"}});
  PackageDir two = make_package_dir(dir_ / "two", "two", {}, {{"control", "Package: two\n\nPackage: three\n"}});
  PackageDir bad_conffiles = make_package_dir(dir_ / "bc", "bc", {},
                                              {{"control", "Package: bc\n"}, {"conffiles", "/etc/a\netc/b\n"}});
  struct Case {
    std::vector<PackageDir> packages;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{hello, no_control},
       "writing the dpkg database: package bare: " + dir_.path() + "/bare/.cairn/control/control is missing"},
      {{no_metadata},
       "writing the dpkg database: package nometa: cannot open " + dir_.path() +
           "/nometa/.cairn/metadata: No such file or directory"},
      {{renamed}, "writing the dpkg database: package renamed: its control file says \"Package: other\""},
      {{two},
       "writing the dpkg database: package two: " + dir_.path() + "/two/.cairn/control/control holds more than "
                                                                  "one paragraph"},
      {{bad_conffiles},
       "writing the dpkg database: package bc: conffiles line 2: \"etc/b\" is not an absolute path"},
      {{hello, hello},
       "writing the dpkg database: package hello: given twice (only a Multi-Arch: same package may be, once "
       "per architecture)"},
  };
  for (const Case& c : cases) {
    RootTree tree;
    auto r = add_dpkg_database(tree, c.packages);
    ASSERT_FALSE(r) << c.error;
    EXPECT_EQ(r.error().message, c.error);
    EXPECT_TRUE(tree.nodes().empty()) << c.error;
  }
}

TEST_F(DpkgDatabaseTest, MultiArchSamePackageMayBeThereOncePerArchitecture) {
  std::string i386(kLibControl);
  i386.replace(i386.find("amd64"), 5, "i386");
  RootTree tree;
  ASSERT_TRUE(add_dpkg_database(
      tree, {make_package_dir(dir_ / "a", "libfoo1", {}, {{"control", std::string(kLibControl)}}),
             make_package_dir(dir_ / "b", "libfoo1", {}, {{"control", i386}})}));
  EXPECT_EQ(text(tree, "usr/lib/cairn/dpkg/info/libfoo1:amd64.list"), "/.\n");
  EXPECT_EQ(text(tree, "usr/lib/cairn/dpkg/info/libfoo1:i386.list"), "/.\n");
}

// ---- the real dpkg-query on the materialized database ---------------------------------

class DpkgQueryTest : public DpkgDatabaseTest {
 protected:
  void SetUp() override {
    if (::access("/usr/bin/dpkg-query", X_OK) != 0) GTEST_SKIP() << "/usr/bin/dpkg-query is not installed";
    RootTree tree;
    ASSERT_TRUE(add_dpkg_database(tree, packages()));
    auto m = tree.materialize(dir_ / "root");
    ASSERT_TRUE(m) << m.error().message;
  }

  /// `dpkg-query --admindir=<db> args…`; expects exit 0 and nothing on stderr.
  std::string query(std::vector<std::string> args) {
    args.insert(args.begin(), "--admindir=" + (dir_ / "root/usr/lib/cairn/dpkg"));
    RunOptions options;
    options.env = {"COLUMNS=200", "LC_ALL=C"};
    auto r = run("/usr/bin/dpkg-query", args, options);
    EXPECT_TRUE(r) << r.error().message;
    if (!r) return "";
    EXPECT_TRUE(r->success()) << r->describe() << ": " << r->err;
    EXPECT_EQ(r->err, "");
    return r->out;
  }
};

TEST_F(DpkgQueryTest, ListsEveryPackageAsInstalled) {
  EXPECT_EQ(query({"-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\n"}),
            "hello 2.10-3 ii \n"
            "libfoo1 1.2.3-1 ii \n"
            "login 1:4.13+dfsg1-1 ii \n");
  std::string l = query({"-l"});
  EXPECT_NE(l.find("\nii  hello "), std::string::npos) << l;
  EXPECT_NE(l.find("\nii  libfoo1:amd64 "), std::string::npos) << l;
  EXPECT_NE(l.find("\nii  login "), std::string::npos) << l;
}

TEST_F(DpkgQueryTest, ListsPackageFilesAndFindsOwners) {
  EXPECT_EQ(query({"-L", "login"}),
            "/.\n/bin\n/bin/login\n/etc\n/etc/login.defs\n/etc/motd.d\n/etc/pam.d\n/etc/pam.d/login\n");
  EXPECT_EQ(query({"-L", "libfoo1:amd64"}),
            "/.\n/usr\n/usr/lib\n/usr/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu/libfoo.so.1\n"
            "/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3\n");
  struct Case {
    std::string path;
    std::string owner;
  };
  const std::vector<Case> cases = {
      {"/bin/login", "login: /bin/login\n"},
      {"/usr/bin/hello", "hello: /usr/bin/hello\n"},
      {"/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3", "libfoo1:amd64: /usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(query({"-S", c.path}), c.owner) << c.path;
}

TEST_F(DpkgQueryTest, ReadsConffilesAndControlFields) {
  EXPECT_EQ(query({"-W", "-f", "${Conffiles}\n", "login"}),
            " /etc/login.defs 900150983cd24fb0d6963f7d28e17f72\n"
            " /etc/pam.d/login d41d8cd98f00b204e9800998ecf8427e\n"
            " /etc/motd.d newconffile\n");
  EXPECT_EQ(query({"-W", "-f", "${Pre-Depends}|${Multi-Arch}|${Essential}\n", "login", "libfoo1"}),
            "|same|no\nlibc6 (>= 2.34), libpam0g (>= 0.99.7.1)|no|yes\n");
}

}  // namespace
}  // namespace cairn::compose
