// Tests for builder/cli/activator_path: which cairn-activate each layout
// gives for the build machine's architecture and for another one (a build
// tree and its sibling cross tree, an installation, the variables), that a
// file for the wrong machine is never taken, and the messages word for word.
// Every case runs in a temporary directory with a fake environment and a
// fake running executable; the activators are hand-made ELF headers.
#include "builder/cli/activator_path.hh"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "images/elf.hh"

namespace cairn::cli {
namespace {

namespace fs = std::filesystem;

class ActivatorPathTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string t = (fs::temp_directory_path() / "cairn-activator-XXXXXX").string();
    ASSERT_NE(::mkdtemp(t.data()), nullptr);
    dir_ = fs::canonical(t).string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `rel` under the temporary directory.
  std::string at(const std::string& rel) const { return dir_ + "/" + rel; }

  // A 64-byte ELF64 header of a position-independent program for `machine`
  // (no program headers): all find_activator reads of it.
  void write_elf(const std::string& rel, uint16_t machine) const {
    std::string h(64, '\0');
    h[0] = 0x7f, h[1] = 'E', h[2] = 'L', h[3] = 'F';
    h[4] = 2, h[5] = 1, h[6] = 1;                                         // ELF64, LSB, version 1
    h[16] = 3;                                                            // ET_DYN
    h[18] = static_cast<char>(machine & 0xff), h[19] = static_cast<char>(machine >> 8);
    h[20] = 1;                                                            // e_version
    h[52] = 64;                                                           // e_ehsize
    h[54] = 56;                                                           // e_phentsize
    write(rel, h);
  }
  void write(const std::string& rel, const std::string& bytes) const {
    fs::create_directories(fs::path(at(rel)).parent_path());
    std::ofstream(at(rel), std::ios::binary) << bytes;
  }

  // A search from the executable `self_rel` on an amd64 build machine with
  // the variables of `env_`.
  ActivatorSearch search(const std::string& self_rel) const {
    ActivatorSearch s;
    s.self = at(self_rel);
    s.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    s.build_architecture = "amd64";
    return s;
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
};

constexpr const char* kTreeCairn = "src/build/builder/cli/cairn";

TEST_F(ActivatorPathTest, VariableNames) {
  EXPECT_EQ(activator_variable("arm64"), "CAIRN_ACTIVATE_ARM64");
  EXPECT_EQ(activator_variable("amd64"), "CAIRN_ACTIVATE_AMD64");
  EXPECT_EQ(activator_variable("ppc64el"), "CAIRN_ACTIVATE_PPC64EL");
}

TEST_F(ActivatorPathTest, ForeignArchitectureFromTheSiblingCrossTree) {
  write_elf("src/build/activator/cairn-activate", images::kElfMachineX86_64);
  write_elf("src/build-aarch64/activator/cairn-activate", images::kElfMachineAarch64);
  auto got = find_activator("arm64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->path, at("src/build-aarch64/activator/cairn-activate"));
  EXPECT_EQ(got->missing, "");
}

TEST_F(ActivatorPathTest, NativeArchitectureFromItsOwnTree) {
  write_elf("src/build/activator/cairn-activate", images::kElfMachineX86_64);
  write_elf("src/build-aarch64/activator/cairn-activate", images::kElfMachineAarch64);
  auto got = find_activator("amd64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->path, at("src/build/activator/cairn-activate"));
}

TEST_F(ActivatorPathTest, MissingForeignActivatorSaysHowToGetIt) {
  auto got = find_activator("arm64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->path, "");
  EXPECT_EQ(got->missing, "no cairn-activate for arm64 here (looked at " + at("src/build-aarch64/activator/cairn-activate") +
                              "); run scripts/cross-build aarch64 (or set CAIRN_ACTIVATE_ARM64)");
}

TEST_F(ActivatorPathTest, MissingNativeActivatorNamesTheVariables) {
  auto got = find_activator("amd64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->missing, "no cairn-activate for amd64 here (looked at " + at("src/build/activator/cairn-activate") +
                              "); set CAIRN_ACTIVATE (or CAIRN_ACTIVATE_AMD64)");
}

TEST_F(ActivatorPathTest, WrongMachineInThePlaceIsPassedOverAndNamed) {
  // A cross tree configured without the cross file builds for the build
  // machine: that file must not go into an arm64 image.
  write_elf("src/build-aarch64/activator/cairn-activate", images::kElfMachineX86_64);
  auto got = find_activator("arm64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->path, "");
  EXPECT_EQ(got->missing, "no cairn-activate for arm64 here (looked at " + at("src/build-aarch64/activator/cairn-activate") +
                              ", which is for x86-64, not arm64 (AArch64)); run scripts/cross-build aarch64 (or set "
                              "CAIRN_ACTIVATE_ARM64)");
}

TEST_F(ActivatorPathTest, NotElfInThePlaceIsPassedOverAndNamed) {
  write("src/build/activator/cairn-activate", "#!/bin/sh\n");
  auto got = find_activator("amd64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  std::string file = at("src/build/activator/cairn-activate");
  EXPECT_EQ(got->missing, "no cairn-activate for amd64 here (looked at " + file + ", which cannot serve: reading ELF " +
                              file + ": not an ELF file (no \\x7fELF magic)); set CAIRN_ACTIVATE (or CAIRN_ACTIVATE_AMD64)");
}

TEST_F(ActivatorPathTest, ArchitectureVariableComesFirst) {
  write_elf("src/build-aarch64/activator/cairn-activate", images::kElfMachineAarch64);
  write_elf("elsewhere/cairn-activate", images::kElfMachineAarch64);
  env_["CAIRN_ACTIVATE_ARM64"] = at("elsewhere/../elsewhere/cairn-activate");
  auto got = find_activator("arm64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->path, at("elsewhere/cairn-activate"));
}

TEST_F(ActivatorPathTest, PlainVariableServesOnlyTheBuildMachine) {
  write_elf("native/cairn-activate", images::kElfMachineX86_64);
  write_elf("amd64/cairn-activate", images::kElfMachineX86_64);
  env_["CAIRN_ACTIVATE"] = at("native/cairn-activate");
  auto native = find_activator("amd64", search(kTreeCairn));
  ASSERT_TRUE(native.has_value()) << native.error().message;
  EXPECT_EQ(native->path, at("native/cairn-activate"));

  // The architecture's own variable wins over the plain one.
  env_["CAIRN_ACTIVATE_AMD64"] = at("amd64/cairn-activate");
  auto own = find_activator("amd64", search(kTreeCairn));
  ASSERT_TRUE(own.has_value()) << own.error().message;
  EXPECT_EQ(own->path, at("amd64/cairn-activate"));

  // An arm64 host never gets $CAIRN_ACTIVATE.
  auto foreign = find_activator("arm64", search(kTreeCairn));
  ASSERT_TRUE(foreign.has_value()) << foreign.error().message;
  EXPECT_EQ(foreign->path, "");
}

TEST_F(ActivatorPathTest, VariableNamingTheWrongMachineIsAnError) {
  write_elf("x86/cairn-activate", images::kElfMachineX86_64);
  write_elf("src/build-aarch64/activator/cairn-activate", images::kElfMachineAarch64);
  env_["CAIRN_ACTIVATE_ARM64"] = at("x86/cairn-activate");
  auto got = find_activator("arm64", search(kTreeCairn));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().message, "CAIRN_ACTIVATE_ARM64=" + at("x86/cairn-activate") +
                                     " is for x86-64, not arm64 (AArch64); point it at cairn-activate built for arm64 "
                                     "(scripts/cross-build aarch64 makes one)");
}

TEST_F(ActivatorPathTest, VariableNamingNoFileIsAnError) {
  env_["CAIRN_ACTIVATE"] = at("nowhere");
  auto got = find_activator("amd64", search(kTreeCairn));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().message, "CAIRN_ACTIVATE=" + at("nowhere") + " cannot serve: reading ELF " + at("nowhere") +
                                     ": cannot open: No such file or directory; point it at cairn-activate built for "
                                     "amd64");
}

TEST_F(ActivatorPathTest, EmptyVariableCountsAsUnset) {
  write_elf("src/build/activator/cairn-activate", images::kElfMachineX86_64);
  env_["CAIRN_ACTIVATE"] = "";
  auto got = find_activator("amd64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->path, at("src/build/activator/cairn-activate"));
}

TEST_F(ActivatorPathTest, InstalledLayout) {
  write_elf("usr/lib/cairn/cairn-activate", images::kElfMachineX86_64);
  write_elf("usr/lib/cairn/arm64/cairn-activate", images::kElfMachineAarch64);
  auto native = find_activator("amd64", search("usr/bin/cairn"));
  ASSERT_TRUE(native.has_value()) << native.error().message;
  EXPECT_EQ(native->path, at("usr/lib/cairn/cairn-activate"));
  auto foreign = find_activator("arm64", search("usr/bin/cairn"));
  ASSERT_TRUE(foreign.has_value()) << foreign.error().message;
  EXPECT_EQ(foreign->path, at("usr/lib/cairn/arm64/cairn-activate"));

  // Beside the program comes first for the build machine.
  write_elf("usr/bin/cairn-activate", images::kElfMachineX86_64);
  auto beside = find_activator("amd64", search("usr/bin/cairn"));
  ASSERT_TRUE(beside.has_value()) << beside.error().message;
  EXPECT_EQ(beside->path, at("usr/bin/cairn-activate"));
}

TEST_F(ActivatorPathTest, InstalledLayoutMissingListsEveryPlace) {
  auto got = find_activator("amd64", search("usr/bin/cairn"));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->missing, "no cairn-activate for amd64 here (looked at " + at("usr/bin/cairn-activate") + "; " +
                              at("usr/lib/cairn/cairn-activate") + "; " + at("usr/lib/cairn/amd64/cairn-activate") +
                              "); set CAIRN_ACTIVATE (or CAIRN_ACTIVATE_AMD64)");
}

TEST_F(ActivatorPathTest, UnknownArchitecture) {
  env_["CAIRN_ACTIVATE_RISCV64"] = at("whatever");
  auto got = find_activator("riscv64", search(kTreeCairn));
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->path, "");
  EXPECT_EQ(got->missing, "cairn-activate is not built for riscv64 (only for amd64, arm64)");
}

TEST_F(ActivatorPathTest, NoExecutableAsksOnlyTheEnvironment) {
  ActivatorSearch s = search(kTreeCairn);
  s.self = "";
  auto got = find_activator("arm64", s);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->missing, "no cairn-activate for arm64 here; run scripts/cross-build aarch64 (or set CAIRN_ACTIVATE_ARM64)");
}

TEST_F(ActivatorPathTest, ThisProcess) {
  // The real process: its own executable is known and the architecture is
  // one cairn builds for (the test runs on amd64 or arm64 machines).
  ActivatorSearch s = ActivatorSearch::from_process();
  EXPECT_TRUE(fs::is_regular_file(s.self)) << s.self;
  EXPECT_TRUE(s.build_architecture == "amd64" || s.build_architecture == "arm64") << s.build_architecture;
  ASSERT_TRUE(s.getenv);
  EXPECT_EQ(s.getenv("CAIRN_ACTIVATE_SURELY_UNSET_VARIABLE"), std::nullopt);
}

}  // namespace
}  // namespace cairn::cli
