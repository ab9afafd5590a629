// Tests for reading apt's sources: both formats, apt's file order and name
// rules, options under one naming, errors with file and line, and the
// choice of a mirror. All hosts are invented (`.test` is reserved).
#include "builder/debian/apt_sources.hh"

#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>

#include "base/files.hh"

namespace cairn::debian {
namespace {

using Strings = std::vector<std::string>;

// A temporary root directory with etc/apt/sources.list.d/.
class AptRoot {
 public:
  AptRoot() {
    std::string t = (std::filesystem::temp_directory_path() / "cairn-apt-XXXXXX").string();
    root_ = ::mkdtemp(t.data());
    std::filesystem::create_directories(root_ + "/etc/apt/sources.list.d");
  }
  ~AptRoot() { std::filesystem::remove_all(root_); }
  const std::string& root() const { return root_; }
  std::string etc() const { return root_ + "/etc/apt"; }
  void write(const std::string& relative, std::string_view text) const {
    ASSERT_TRUE(write_file_atomic(root_ + "/etc/apt/" + relative, text));
  }

 private:
  std::string root_;
};

std::vector<AptSource> parse_ok(std::string_view text, bool deb822) {
  auto got = parse_apt_sources(text, "f", deb822);
  EXPECT_TRUE(got) << got.error().message;
  return got ? std::move(*got) : std::vector<AptSource>{};
}

std::string parse_error(std::string_view text, bool deb822) {
  auto got = parse_apt_sources(text, "f", deb822);
  EXPECT_FALSE(got);
  return got ? "" : got.error().message;
}

TEST(AptSources, OneLineFormat) {
  auto got = parse_ok(
      "# a comment line\n"
      "\n"
      "deb http://mirror.test/debian bookworm main contrib # trailing comment\n"
      "deb-src http://mirror.test/debian bookworm main\n"
      "  deb [ arch=amd64,arm64 signed-by=/usr/share/keyrings/a.gpg,/etc/apt/keyrings/b.gpg trusted=yes ] "
      "https://other.test/debian/ bookworm-updates main\n"
      "deb [Arch+=i386] file:/srv/repo ./\n",
      false);
  ASSERT_EQ(got.size(), 4u);

  EXPECT_EQ(got[0].types, Strings{"deb"});
  EXPECT_EQ(got[0].uris, Strings{"http://mirror.test/debian"});
  EXPECT_EQ(got[0].suites, Strings{"bookworm"});
  EXPECT_EQ(got[0].components, (Strings{"main", "contrib"}));
  EXPECT_TRUE(got[0].signed_by.empty());
  EXPECT_TRUE(got[0].options.empty());
  EXPECT_EQ(got[0].origin, "f:3");
  EXPECT_TRUE(got[0].is_binary());

  EXPECT_EQ(got[1].types, Strings{"deb-src"});
  EXPECT_FALSE(got[1].is_binary());
  EXPECT_EQ(got[1].origin, "f:4");

  EXPECT_EQ(got[2].uris, Strings{"https://other.test/debian/"});
  EXPECT_EQ(got[2].signed_by, (Strings{"/usr/share/keyrings/a.gpg", "/etc/apt/keyrings/b.gpg"}));
  EXPECT_EQ(got[2].option("arch"), "amd64,arm64");
  EXPECT_EQ(got[2].option("trusted"), "yes");
  EXPECT_EQ(got[2].option("lang"), "");

  EXPECT_EQ(got[3].suites, Strings{"./"});
  EXPECT_TRUE(got[3].components.empty());
  EXPECT_EQ(got[3].option("arch+"), "i386");
}

TEST(AptSources, Deb822Format) {
  auto got = parse_ok(
      "Types: deb deb-src\n"
      "# a comment between fields\n"
      "URIs: http://mirror.test/debian http://backup.test/debian\n"
      "Suites: bookworm\n"
      " bookworm-updates\n"
      "Components: main non-free-firmware\n"
      "architectures: amd64 arm64\n"
      "Check-Valid-Until: no\n"
      "X-Repolib-Name: Debian\n"
      "Signed-By: /usr/share/keyrings/a.gpg\n"
      "\n"
      "Enabled: no\n"
      "Types: deb\n"
      "URIs: http://disabled.test/debian\n"
      "Suites: bookworm\n"
      "Components: main\n"
      "\n"
      "Types: deb\n"
      "URIs: http://security.test/debian-security\n"
      "Suites: bookworm-security\n"
      "Components: main\n"
      "Enabled: yes\n"
      "Signed-By:\n"
      " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
      " .\n"
      " mDMEZABCDEFGHIJ\n"
      " =abcd\n"
      " -----END PGP PUBLIC KEY BLOCK-----\n",
      true);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].types, (Strings{"deb", "deb-src"}));
  EXPECT_EQ(got[0].uris, (Strings{"http://mirror.test/debian", "http://backup.test/debian"}));
  EXPECT_EQ(got[0].suites, (Strings{"bookworm", "bookworm-updates"}));
  EXPECT_EQ(got[0].components, (Strings{"main", "non-free-firmware"}));
  EXPECT_EQ(got[0].signed_by, Strings{"/usr/share/keyrings/a.gpg"});
  EXPECT_EQ(got[0].option("arch"), "amd64,arm64");
  EXPECT_EQ(got[0].option("check-valid-until"), "no");
  EXPECT_EQ(got[0].option("x-repolib-name"), "Debian");
  EXPECT_EQ(got[0].origin, "f:1");
  EXPECT_TRUE(got[0].is_binary());

  EXPECT_EQ(got[1].uris, Strings{"http://security.test/debian-security"});
  EXPECT_TRUE(got[1].signed_by.empty());
  EXPECT_EQ(got[1].signed_by_key,
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZABCDEFGHIJ\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n");
  EXPECT_EQ(got[1].origin, "f:18");
}

TEST(AptSources, OneLineErrors) {
  EXPECT_EQ(parse_error("deb\n", false),
            "f:1: the entry has no URI: expected `deb [OPTIONS] URI SUITE COMPONENT…'; see sources.list(5)");
  EXPECT_EQ(parse_error("\ndeb-src http://mirror.test/debian\n", false),
            "f:2: the entry has no suite: expected `deb-src [OPTIONS] URI SUITE COMPONENT…'; see sources.list(5)");
  EXPECT_EQ(parse_error("rpm http://mirror.test/fedora 39 main\n", false),
            "f:1: unknown type `rpm' (apt knows `deb' and `deb-src'); see sources.list(5)");
  EXPECT_EQ(parse_error("deb [arch=amd64 http://mirror.test/debian bookworm main\n", false),
            "f:1: the options starting with `[' have no closing `]'; see sources.list(5)");
  EXPECT_EQ(parse_error("deb [amd64] http://mirror.test/debian bookworm main\n", false),
            "f:1: option `amd64' is not of the form NAME=VALUE; see sources.list(5)");
  EXPECT_EQ(parse_error("deb http://mirror.test/debian bookworm\n", false),
            "f:1: suite `bookworm' has no components; add one such as `main'; see sources.list(5)");
  EXPECT_EQ(parse_error("deb http://mirror.test/debian ./ main\n", false),
            "f:1: suite `./' is an exact path (it ends in `/'), so it takes no components; "
            "remove them or the `/'; see sources.list(5)");
}

TEST(AptSources, Deb822Errors) {
  EXPECT_EQ(parse_error("Types: deb\nSuites: bookworm\nComponents: main\n", true),
            "f:1: the entry has no `URIs' field; add it or remove the entry; see sources.list(5)");
  EXPECT_EQ(parse_error("\nURIs: http://mirror.test/debian\nSuites: bookworm\n", true),
            "f:2: the entry has no `Types' field; add it or remove the entry; see sources.list(5)");
  EXPECT_EQ(parse_error("Types: deb\nURIs: http://mirror.test/debian\n", true),
            "f:1: the entry has no `Suites' field; add it or remove the entry; see sources.list(5)");
  EXPECT_EQ(parse_error("Types: deb udeb\nURIs: http://mirror.test/debian\nSuites: bookworm\nComponents: main\n", true),
            "f:1: unknown type `udeb' (apt knows `deb' and `deb-src'); see sources.list(5)");
  EXPECT_EQ(parse_error("Types: deb\nURIs http://mirror.test/debian\n", true),
            "f:2: expected `Name: value', a line starting with a space or a blank line, "
            "found `URIs http://mirror.test/debian'");
}

// apt's order: sources.list, then sources.list.d/ by name; only *.list and
// *.sources with plain names are read.
TEST(AptSources, ReadsFilesInAptsOrder) {
  AptRoot root;
  root.write("sources.list", "deb http://one.test/debian bookworm main\n");
  root.write("sources.list.d/b.sources",
             "Types: deb\nURIs: http://three.test/debian\nSuites: bookworm\nComponents: main\n");
  root.write("sources.list.d/a.list", "deb http://two.test/debian bookworm main\n");
  root.write("sources.list.d/c.list.disabled-by-farm", "deb http://ignored.test/debian bookworm main\n");
  root.write("sources.list.d/d.list~", "deb http://ignored.test/debian bookworm main\n");
  root.write("sources.list.d/e f.list", "deb http://ignored.test/debian bookworm main\n");
  root.write("sources.list.d/f.list.save", "deb http://ignored.test/debian bookworm main\n");
  std::filesystem::create_directories(root.etc() + "/sources.list.d/g.list");
  auto got = read_apt_sources(root.root());
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].uris, Strings{"http://one.test/debian"});
  EXPECT_EQ((*got)[0].origin, root.etc() + "/sources.list:1");
  EXPECT_EQ((*got)[1].uris, Strings{"http://two.test/debian"});
  EXPECT_EQ((*got)[1].origin, root.etc() + "/sources.list.d/a.list:1");
  EXPECT_EQ((*got)[2].uris, Strings{"http://three.test/debian"});
  EXPECT_EQ((*got)[2].origin, root.etc() + "/sources.list.d/b.sources:1");
}

TEST(AptSources, NoSourcesAtAll) {
  AptRoot root;
  auto got = read_apt_sources(root.root());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->empty());
  got = read_apt_sources(root.root() + "/nonexistent");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->empty());
}

TEST(AptSources, ErrorsNameTheFile) {
  AptRoot root;
  root.write("sources.list.d/broken.sources", "Types: deb\n\nURIs: http://mirror.test/debian\n");
  auto got = read_apt_sources(root.root() + "/");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, root.etc() +
                                     "/sources.list.d/broken.sources:1: the entry has no `URIs' field; "
                                     "add it or remove the entry; see sources.list(5)");
}

// A sources.list that cannot be read (here a directory, which fails for
// root too) is an error, not an empty configuration.
TEST(AptSources, UnreadableFile) {
  AptRoot root;
  std::filesystem::create_directories(root.etc() + "/sources.list");
  auto got = read_apt_sources(root.root());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "reading apt's sources: cannot read " + root.etc() + "/sources.list: Is a directory");
}

TEST(AptSources, ChoosesTheEntryCarryingTheSuite) {
  auto sources = parse_ok(
      "deb-src http://src.test/debian bookworm main\n"
      "deb cdrom:[Debian GNU/Linux 12]/ bookworm main\n"
      "deb mirror+file:/etc/apt/mirrors.txt bookworm main\n"
      "deb http://security.test/debian-security bookworm-security main\n"
      "deb [signed-by=/usr/share/keyrings/a.gpg,0123456789ABCDEF] http://mirror.test/debian/ bookworm main\n"
      "deb http://later.test/debian bookworm main\n",
      false);
  ASSERT_EQ(sources.size(), 6u);
  auto got = choose_mirror(sources, "bookworm");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->uri, "http://mirror.test/debian");
  EXPECT_EQ(got->keyrings, Strings{"/usr/share/keyrings/a.gpg"});
  EXPECT_EQ(got->origin, "f:5");

  // No entry carries trixie: the first fetchable `deb' entry.
  got = choose_mirror(sources, "trixie");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->uri, "http://security.test/debian-security");
  EXPECT_TRUE(got->keyrings.empty());
  EXPECT_EQ(got->origin, "f:4");
}

TEST(AptSources, ChoosesAmongSeveralUris) {
  auto sources = parse_ok(
      "Types: deb\nURIs: tor+http://onion.test/debian file:///srv/mirror/\nSuites: bookworm\nComponents: main\n", true);
  auto got = choose_mirror(sources, "bookworm");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->uri, "file:///srv/mirror");
}

TEST(AptSources, NoMirror) {
  auto sources = parse_ok("deb-src http://src.test/debian bookworm main\n", false);
  auto got = choose_mirror(sources, "bookworm");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "apt's sources have no `deb' entry with an http, https or file URI");

  AptRoot root;
  root.write("sources.list", "deb-src http://src.test/debian bookworm main\n");
  got = apt_mirror("bookworm", root.root());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "choosing a Debian mirror for bookworm from " + root.etc() + "/sources.list and " +
                                     root.etc() +
                                     "/sources.list.d/: apt's sources have no `deb' entry with an http, https or "
                                     "file URI; set a mirror in cairn.nix or add one to apt's sources");
}

TEST(AptSources, AptMirror) {
  AptRoot root;
  root.write("sources.list.d/debian.sources",
             "Types: deb\n"
             "URIs: http://mirror.test/debian\n"
             "Suites: bookworm bookworm-updates\n"
             "Components: main\n"
             "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
             "\n"
             "Types: deb\n"
             "URIs: http://mirror.test/debian-security\n"
             "Suites: bookworm-security\n"
             "Components: main\n");
  auto got = apt_mirror("bookworm-security", root.root());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->uri, "http://mirror.test/debian-security");
  EXPECT_EQ(got->origin, root.etc() + "/sources.list.d/debian.sources:7");
  got = apt_mirror("bookworm", root.root());
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->uri, "http://mirror.test/debian");
  EXPECT_EQ(got->keyrings, Strings{"/usr/share/keyrings/debian-archive-keyring.gpg"});
}

// The build machine's own configuration reads without error (its content
// is not asserted: it differs from machine to machine).
TEST(AptSources, BuildMachineConfigurationReads) {
  auto got = read_apt_sources("/");
  EXPECT_TRUE(got) << got.error().message;
}

}  // namespace
}  // namespace cairn::debian
