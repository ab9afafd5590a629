// Tests for builder/cli/common: finding the configuration repository from
// the working directory, or through the machine's /etc/cairn/repository
// (a file under a temporary directory here), and the errors word for word.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/files.hh"
#include "builder/cli/verbs.hh"

namespace cairn::cli {
namespace {

namespace fs = std::filesystem;

class LocateRepositoryTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-locate-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = fs::canonical(t).string();
    fs::create_directories(dir_ + "/config/hosts/laptop");
    fs::create_directories(dir_ + "/elsewhere/deep");
    named_ = dir_ + "/etc/cairn/repository";
  }
  void TearDown() override { fs::remove_all(dir_); }
  void name(const std::string& text) {
    fs::create_directories(fs::path(named_).parent_path());
    ASSERT_TRUE(write_file_atomic(named_, text));
  }
  std::string dir_, named_;
};

TEST_F(LocateRepositoryTest, TheWorkingDirectoryOrAParentComesFirst) {
  name(dir_ + "/elsewhere\n");
  auto r = locate_repository(dir_ + "/config/hosts/laptop", named_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, dir_ + "/config");
}

TEST_F(LocateRepositoryTest, OutsideAnyRepositoryTheMachinesOwn) {
  name(dir_ + "/config\n");
  auto r = locate_repository(dir_ + "/elsewhere/deep", named_);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, dir_ + "/config");
}

TEST_F(LocateRepositoryTest, ANamedDirectoryWithoutHostsIsAnError) {
  name(dir_ + "/elsewhere\n");
  auto r = locate_repository(dir_ + "/elsewhere/deep", named_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, named_ + " names the configuration repository " + dir_ +
                                   "/elsewhere, which has no hosts/ directory; clone the configuration there or "
                                   "run cairn inside a clone");
}

TEST_F(LocateRepositoryTest, NoRepositoryAndNoneNamed) {
  auto r = locate_repository(dir_ + "/elsewhere/deep", named_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "no configuration repository here: neither " + dir_ +
                                   "/elsewhere/deep nor a parent holds a hosts/ directory; run cairn inside one (or "
                                   "set programs.cairn.repository)");
}

}  // namespace
}  // namespace cairn::cli
