// Tests for the file system builtins (builtins_files.cc), run against a
// temporary directory tree that has regular files, directories, a nix file
// to import, and symlinks to a file, to a directory and to nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

namespace fs = std::filesystem;

class FilesBuiltins : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cairn-files-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    write("a.nix", "1 + 2");
    write("data.txt", "hello\n");
    fs::create_directory(root_ + "/dir");
    write("dir/default.nix", "{ x = 42; y = import ./y.nix; }");
    write("dir/y.nix", "\"from y\"");
    fs::create_directory(root_ + "/empty");
    fs::create_directory_symlink("dir", root_ + "/link-dir");
    fs::create_symlink("data.txt", root_ + "/link-file");
    fs::create_symlink("nonexistent", root_ + "/dangling");
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& rel, std::string_view text) {
    std::ofstream(root_ + "/" + rel) << text;
  }

  /// Replaces every "@" in `expr` with the fixture's root, then evaluates.
  std::string eval(std::string_view expr, const EvalSettings& settings = {}) {
    return testing::eval_with(at(expr), settings);
  }

  /// `text` with "@" replaced by the root (for expected values).
  std::string at(std::string_view text) {
    std::string s;
    for (char c : text) {
      if (c == '@')
        s += root_;
      else
        s += c;
    }
    return s;
  }

  /// testing::expect_cases with "@" standing for the root in expressions and
  /// expected values, evaluated with `settings`.
  void check(std::initializer_list<testing::Case> cases, const EvalSettings& settings = {}) {
    testing::expect_cases_with(
        cases, [&](std::string_view expr) { return eval(expr, settings); },
        [this](std::string_view expected) { return at(expected); });
  }

  std::string root_;
};

TEST_F(FilesBuiltins, Import) {
  check({
      {"import @/a.nix", "3"},
      {"import \"@/a.nix\"", "3"},
      {"builtins.import @/a.nix", "3"},
      // A directory means its default.nix; relative imports resolve from it.
      {"import @/dir", R"({ x = 42; y = "from y"; })"},
      {"(import @/link-dir).y", R"("from y")"},
      {"import 1", "error: cannot coerce an integer to a string"},
  });
}

TEST_F(FilesBuiltins, ReadFile) {
  check({
      {"builtins.readFile @/data.txt", R"("hello\n")"},
      {"builtins.readFile @/link-file", R"("hello\n")"},
      {"builtins.readFile \"@/data.txt\"", R"("hello\n")"},
  });
}

TEST_F(FilesBuiltins, HashFile) {
  check({
      {"builtins.hashFile \"sha256\" @/data.txt", R"("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")"},
      {"builtins.hashFile \"md5\" \"@/data.txt\"", R"("b1946ac92492d2347c6235b4d2611184")"},
      {"builtins.hashFile \"sha256\" @/missing", "error: opening file '@/missing': No such file or directory"},
  });
}

TEST_F(FilesBuiltins, ReadDir) {
  check({
      {"builtins.readDir @",
       R"({ "a.nix" = "regular"; dangling = "symlink"; "data.txt" = "regular"; dir = "directory"; )"
       R"(empty = "directory"; link-dir = "symlink"; link-file = "symlink"; })"},
      {"builtins.readDir @/empty", "{ }"},
      // The directory itself may be reached through a symlink.
      {"builtins.readDir @/link-dir", R"({ "default.nix" = "regular"; "y.nix" = "regular"; })"},
      {"builtins.readDir @/missing", "error: opening directory '@/missing': No such file or directory"},
  });
}

TEST_F(FilesBuiltins, ReadFileType) {
  check({
      {"map builtins.readFileType [ @/data.txt @/dir @/link-dir @/link-file @/dangling ]",
       R"([ "regular" "directory" "symlink" "symlink" "symlink" ])"},
      {"builtins.readFileType @/missing", "error: getting status of '@/missing': No such file or directory"},
  });
}

TEST_F(FilesBuiltins, PathExists) {
  check({
      {"builtins.pathExists @/data.txt", "true"},
      {"builtins.pathExists \"@/data.txt\"", "true"},
      {"builtins.pathExists @/missing", "false"},
      {"builtins.pathExists \"@/missing/deeper\"", "false"},
      // A dangling symlink exists (lstat).
      {"builtins.pathExists @/dangling", "true"},
      // A trailing "/" or "/." on a string asks for a directory.
      {"builtins.pathExists \"@/data.txt/\"", "false"},
      {"builtins.pathExists \"@/data.txt/.\"", "false"},
      {"builtins.pathExists \"@/data.txt/./.\"", "false"},
      {"builtins.pathExists \"@/dir/\"", "true"},
      {"builtins.pathExists \"@/dir/.\"", "true"},
      {"builtins.pathExists \"@/link-dir/.\"", "true"},
      {"builtins.pathExists \"@/dangling/.\"", "false"},
      // ".." is resolved lexically.
      {"builtins.pathExists \"@/dir/../a.nix\"", "true"},
      {"builtins.pathExists \"@/dir/..\"", "true"},
      {"builtins.pathExists \"@/dir//./\"", "true"},
      {"builtins.pathExists \"relative\"", "error: string 'relative' doesn't represent an absolute path"},
  });
}

TEST_F(FilesBuiltins, ToPath) {
  check({
      {"builtins.toPath \"@/dir/../a.nix\"", "\"@/a.nix\""},
      {"builtins.toPath @/a.nix", "\"@/a.nix\""},
      {"builtins.toPath { outPath = \"@/a.nix\"; }", "\"@/a.nix\""},
      {"builtins.toPath \"a.nix\"", "error: string 'a.nix' doesn't represent an absolute path"},
  });
}

TEST_F(FilesBuiltins, FindFile) {
  check({
      {R"(builtins.findFile [ { prefix = "x"; path = "@"; } ] "x/a.nix")", "@/a.nix"},
      {R"(builtins.findFile [ { prefix = "x"; path = "@"; } ] "x")", "@"},
      {R"(builtins.findFile [ { prefix = ""; path = "@"; } ] "dir/y.nix")", "@/dir/y.nix"},
      {R"(builtins.findFile [ { path = "@/dir"; } ] "y.nix")", "@/dir/y.nix"},
      // The first entry where the file exists wins.
      {R"(builtins.findFile [ { prefix = ""; path = "@/empty"; } { prefix = ""; path = "@/dir"; } ] "y.nix")",
       "@/dir/y.nix"},
      // A prefix matches whole components only.
      {R"(builtins.findFile [ { prefix = "x"; path = "@"; } ] "xa.nix")",
       "error: file 'xa.nix' was not found in the Nix search path (add it using $NIX_PATH or -I)"},
      {R"(builtins.findFile [ ] "foo")",
       "error: file 'foo' was not found in the Nix search path (add it using $NIX_PATH or -I)"},
      {R"(builtins.findFile [ { prefix = "x"; } ] "x")", "error: attribute 'path' missing for call to 'findFile'"},
      // Not found is a throw, so tryEval can catch it.
      {R"((builtins.tryEval (builtins.findFile [ ] "foo")).success)", "false"},
  });
}

TEST_F(FilesBuiltins, NixPathAndAngleBrackets) {
  EvalSettings settings;
  settings.search_path = {"x=" + root_, root_ + "/dir"};
  check(
      {
          {"builtins.nixPath", R"([ { path = "@"; prefix = "x"; } { path = "@/dir"; prefix = ""; } ])"},
          {"<x/a.nix>", "@/a.nix"},
          {"<y.nix>", "@/dir/y.nix"},
          {"import <x/a.nix>", "3"},
          {"<nope>", "error: file 'nope' was not found in the Nix search path (add it using $NIX_PATH or -I)"},
      },
      settings);
  check({{"builtins.nixPath", "[ ]"}});
}

}  // namespace
}  // namespace cairn::lang
