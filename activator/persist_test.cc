#include "activator/persist.hh"

#include <sys/stat.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "activator/fakes_test.hh"
#include "base/files.hh"

namespace cairn::activator {
namespace {

using testing::FakeSystem;
using testing::TempDir;
using Lines = std::vector<std::string>;

class PersistTest : public ::testing::Test {
 protected:
  PersistTest() {
    root_.mkdir("sysroot/etc");
    root_.mkdir("run/cairn/state");
    root_.mkdir("run/cairn/image/etc");
  }
  std::string path(const std::string& rel) const { return root_.path() + "/" + rel; }
  mode_t mode(const std::string& rel) const {
    struct stat st{};
    EXPECT_EQ(::lstat(path(rel).c_str(), &st), 0) << rel;
    return st.st_mode;
  }
  std::string text(const std::string& rel) const {
    auto t = read_file(path(rel));
    return t ? *t : "(" + t.error().message + ")";
  }

  TempDir root_;
  FakeSystem system_{root_.path()};
};

TEST_F(PersistTest, FirstUseMakesThePathsFromTheImage) {
  root_.write("run/cairn/image/etc/adjtime", "0.0 0 0.0\n");
  ::chmod(path("run/cairn/image/etc/adjtime").c_str(), 0640);
  root_.mkdir("run/cairn/image/etc/NetworkManager/system-connections");
  ::chmod(path("run/cairn/image/etc/NetworkManager/system-connections").c_str(), 0700);
  root_.write("run/cairn/image/etc/NetworkManager/system-connections/default.nmconnection", "[connection]\n");

  auto r = bind_persisted(root_.path(), system_, {"/etc/ssh/ssh_host_ed25519_key", "/etc/adjtime"},
                          {"/srv", "/etc/NetworkManager/system-connections"});
  ASSERT_TRUE(r) << r.error().message;

  // Directories first, then files, each sorted.
  EXPECT_EQ(system_.log,
            (Lines{
                "mount /run/cairn/state/persist/etc/NetworkManager/system-connections "
                "/sysroot/etc/NetworkManager/system-connections - bind",
                "mount /run/cairn/state/persist/srv /sysroot/srv - bind",
                "mount /run/cairn/state/persist/etc/adjtime /sysroot/etc/adjtime - bind",
                "mount /run/cairn/state/persist/etc/ssh/ssh_host_ed25519_key "
                "/sysroot/etc/ssh/ssh_host_ed25519_key - bind",
            }));
  // A file the image has is copied with its mode; one it lacks starts empty, 0600.
  EXPECT_EQ(text("run/cairn/state/persist/etc/adjtime"), "0.0 0 0.0\n");
  EXPECT_EQ(mode("run/cairn/state/persist/etc/adjtime") & 07777, 0640u);
  EXPECT_EQ(text("run/cairn/state/persist/etc/ssh/ssh_host_ed25519_key"), "");
  EXPECT_EQ(mode("run/cairn/state/persist/etc/ssh/ssh_host_ed25519_key") & 07777, 0600u);
  // A directory gets the image's mode, not its contents.
  EXPECT_EQ(mode("run/cairn/state/persist/etc/NetworkManager/system-connections") & 07777, 0700u);
  EXPECT_FALSE(root_.exists("run/cairn/state/persist/etc/NetworkManager/system-connections/default.nmconnection"));
  EXPECT_EQ(mode("run/cairn/state/persist/srv") & 07777, 0755u);
  // Mount points in the new root.
  EXPECT_TRUE(S_ISREG(mode("sysroot/etc/ssh/ssh_host_ed25519_key")));
  EXPECT_TRUE(S_ISDIR(mode("sysroot/srv")));
  // No temporary files left behind.
  EXPECT_FALSE(root_.exists("run/cairn/state/persist/etc/adjtime.cairn-new"));
}

TEST_F(PersistTest, KeptContentsWin) {
  root_.write("run/cairn/image/etc/adjtime", "from the image\n");
  root_.write("run/cairn/state/persist/etc/adjtime", "kept\n");
  auto r = bind_persisted(root_.path(), system_, {"/etc/adjtime"}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(text("run/cairn/state/persist/etc/adjtime"), "kept\n");
  EXPECT_EQ(system_.log, (Lines{"mount /run/cairn/state/persist/etc/adjtime /sysroot/etc/adjtime - bind"}));
}

TEST_F(PersistTest, RefusesPathsThroughLinks) {
  std::filesystem::create_directory_symlink("/usr/share/thing", path("sysroot/etc/thing"));
  auto r = bind_persisted(root_.path(), system_, {"/etc/thing/state"}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "keeping /etc/thing/state: /etc/thing is a symbolic link in the new root; persist the path it points "
            "to instead");
  EXPECT_EQ(system_.log, Lines{});
}

TEST_F(PersistTest, KindMismatchesAreErrors) {
  root_.mkdir("run/cairn/state/persist/etc/adjtime");
  auto file = bind_persisted(root_.path(), system_, {"/etc/adjtime"}, {});
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().message, "keeping /etc/adjtime: " + path("run/cairn/state/persist/etc/adjtime") +
                                      " is not a regular file; move it away to keep /etc/adjtime as a file");

  root_.mkdir("sysroot/etc/ssh");
  auto dir_in_image = bind_persisted(root_.path(), system_, {"/etc/ssh"}, {});
  ASSERT_FALSE(dir_in_image);
  EXPECT_EQ(dir_in_image.error().message,
            "keeping /etc/ssh: the image has /etc/ssh as something other than a file; list it in "
            "environment.persist.directories if it is a directory");

  root_.write("run/cairn/state/persist/srv", "");
  auto dir = bind_persisted(root_.path(), system_, {}, {"/srv"});
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message, "keeping /srv: " + path("run/cairn/state/persist/srv") +
                                     " is not a directory; move it away to keep /srv as a directory");
}

TEST_F(PersistTest, AFailedBindIsReported) {
  system_.failing_mounts["/sysroot/srv"] = "mount: Permission denied";
  auto r = bind_persisted(root_.path(), system_, {}, {"/srv"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "keeping /srv: mount: Permission denied");
}

}  // namespace
}  // namespace cairn::activator
