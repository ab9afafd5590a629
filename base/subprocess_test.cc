// Tests for base/subprocess: arguments reach the program untouched, input
// and both outputs flow at once (no deadlock on large data), exit statuses
// and signals are reported, and a program that cannot start is an error
// that says why.
#include "base/subprocess.hh"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "base/files.hh"
#include "base/temp_dir_test.hh"

namespace cairn {
namespace {

struct TempDir : cairn::TempDir {
  TempDir() : cairn::TempDir("subprocess") {}
};

// Writes an executable shell script at `path`.
void write_script(const std::string& path, const std::string& body) {
  ASSERT_TRUE(write_file_atomic(path, "#!/bin/sh\n" + body));
  ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
}

TEST(Subprocess, ArgumentsAreNotSplitOrExpanded) {
  auto got = run("printf", {"[%s]", "a b", "$HOME", "*", "", "'q'"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->success());
  EXPECT_EQ(got->out, "[a b][$HOME][*][]['q']");
  EXPECT_EQ(got->err, "");
}

TEST(Subprocess, ExitStatusAndStderr) {
  auto got = run("sh", {"-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->success());
  EXPECT_EQ(got->exit_status, 3);
  EXPECT_EQ(got->signal, 0);
  EXPECT_EQ(got->out, "out\n");
  EXPECT_EQ(got->err, "err\n");
  EXPECT_EQ(got->describe(), "exited with status 3");
}

TEST(Subprocess, OutputIsPassedOnAsItArrives) {
  // The second line is written only after the first was seen: the callback
  // got it while the program was still running.
  std::string dir = ::testing::TempDir();
  std::string seen = dir + "/cairn-seen-" + std::to_string(::getpid());
  std::filesystem::remove(seen);
  std::string pieces[3];
  RunOptions o;
  o.on_output = [&](int fd, std::string_view piece) {
    pieces[fd] += piece;
    if (fd == 1 && pieces[1] == "first\n") (void)write_file_atomic(seen, "");
  };
  auto got = run("sh", {"-c", "echo first; while [ ! -e " + seen + " ]; do sleep 0.01; done; echo second; echo e >&2"},
                 o);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(pieces[1], "first\nsecond\n");
  EXPECT_EQ(pieces[2], "e\n");
  EXPECT_EQ(got->out, "first\nsecond\n");
  EXPECT_EQ(got->err, "e\n");
  std::filesystem::remove(seen);
}

TEST(Subprocess, KilledBySignal) {
  auto got = run("sh", {"-c", "kill -9 $$"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_FALSE(got->success());
  EXPECT_EQ(got->exit_status, -1);
  EXPECT_EQ(got->signal, SIGKILL);
  EXPECT_EQ(got->describe(), "was killed by signal 9 (Killed)");
}

TEST(Subprocess, StdinIsDevNullByDefault) {
  auto got = run("cat", {});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->success());
  EXPECT_EQ(got->out, "");
}

TEST(Subprocess, EmptyStdinIsClosedAtOnce) {
  RunOptions options;
  options.stdin_data = "";
  auto got = run("wc", {"-c"}, options);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->out, "0\n");
}

// 8 MiB through cat and 8 MiB to stderr at the same time: far more than a
// pipe holds, so this only ends if input and outputs are served together.
TEST(Subprocess, LargeInputAndOutputsDoNotDeadlock) {
  std::string data;
  data.reserve(8 << 20);
  for (int i = 0; data.size() < (8u << 20); ++i) data += std::to_string(i) + "\n";
  RunOptions options;
  options.stdin_data = data;
  auto got = run("sh", {"-c", "tee /dev/stderr"}, options);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->success()) << got->describe();
  EXPECT_EQ(got->out.size(), data.size());
  EXPECT_TRUE(got->out == data);
  EXPECT_TRUE(got->err == data);
}

// A program that exits without reading its input must not kill the caller
// with SIGPIPE.
TEST(Subprocess, ProgramThatIgnoresInput) {
  std::string data(4 << 20, 'x');
  RunOptions options;
  options.stdin_data = data;
  auto got = run("true", {}, options);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(got->success());
}

TEST(Subprocess, EnvironmentChanges) {
  ::setenv("CAIRN_TEST_REMOVED", "still here", 1);
  RunOptions options;
  options.env = {"CAIRN_TEST_SET=one two", "CAIRN_TEST_REMOVED"};
  auto got = run("sh", {"-c", "echo \"$CAIRN_TEST_SET|${CAIRN_TEST_REMOVED-unset}\""}, options);
  ::unsetenv("CAIRN_TEST_REMOVED");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->out, "one two|unset\n");
}

TEST(Subprocess, WorkingDirectory) {
  TempDir dir;
  RunOptions options;
  options.cwd = dir.path();
  auto got = run("pwd", {}, options);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->out, std::filesystem::canonical(dir.path()).string() + "\n");

  options.cwd = dir.path() + "/missing";
  got = run("pwd", {}, options);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message,
            "cannot run pwd in " + dir.path() + "/missing: No such file or directory");
}

// A test puts its own stand-in first on PATH; the PATH given in `env` is the
// one searched.
TEST(Subprocess, LooksUpThePathItIsGiven) {
  TempDir dir;
  write_script(dir.path() + "/gpgv", "echo stand-in \"$@\"\n");
  RunOptions options;
  options.env = {"PATH=" + dir.path() + ":/usr/bin:/bin"};
  auto got = run("gpgv", {"--version"}, options);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->out, "stand-in --version\n");

  auto found = find_program("gpgv", dir.path());
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(*found, dir.path() + "/gpgv");
}

TEST(Subprocess, NotFoundOnPath) {
  TempDir dir;
  RunOptions options;
  options.env = {"PATH=" + dir.path() + "::" + dir.path() + "/bin"};
  auto got = run("cairn-no-such-program", {}, options);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "cannot run cairn-no-such-program: not found on PATH (" + dir.path() +
                                     "::" + dir.path() + "/bin)");
}

TEST(Subprocess, NotExecutable) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.path() + "/tool", "#!/bin/sh\n"));
  // Not executable: skipped on PATH, refused as a path.
  auto found = find_program("tool", dir.path());
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().message, "tool: not found on PATH (" + dir.path() + ")");
  auto got = run(dir.path() + "/tool", {});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "cannot run " + dir.path() + "/tool: not an executable file");
}

TEST(Subprocess, ExecFailureIsAnError) {
  TempDir dir;
  // Executable, but neither a script with an interpreter nor a binary.
  ASSERT_TRUE(write_file_atomic(dir.path() + "/junk", std::string("\x7f" "ELF junk", 8)));
  ASSERT_EQ(::chmod((dir.path() + "/junk").c_str(), 0755), 0);
  auto got = run(dir.path() + "/junk", {});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "cannot run " + dir.path() + "/junk (" + dir.path() +
                                     "/junk): Exec format error");
}

TEST(Subprocess, NoDescriptorsLeakIntoTheChild) {
  // Descriptors 0-2 plus the one ls opens for /proc/self/fd itself.
  auto got = run("ls", {"/proc/self/fd"});
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->out, "0\n1\n2\n3\n");
}

}  // namespace
}  // namespace cairn
