// Golden tests: every example host's closure description, as
// `cairn eval --host NAME --closure` prints it (pretty-printed here so that
// changes read well in review). Refresh with CAIRN_ACCEPT=1 after a
// deliberate change, and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "base/files.hh"
#include "builder/eval/host.hh"

namespace cairn::eval {
namespace {

using namespace lang;

const std::string kRoot = CAIRN_SOURCE_ROOT;

std::string pretty_closure(const std::string& host) {
  EvalSettings settings;
  settings.allow_environment = false;
  EvalState state(settings);
  try {
    EvaluatedHost h = evaluate_host(state, {kRoot, host, kRoot + "/modules"});
    check_assertions(state, *h.config);
    return nlohmann::json::parse(closure_json(state, *h.config)).dump(2) + "\n";
  } catch (const EvalError& e) {
    return format_error(e, state.positions);
  }
}

class HostClosure : public ::testing::TestWithParam<std::string> {};

TEST_P(HostClosure, MatchesGoldenFile) {
  std::string host = GetParam();
  std::string golden = kRoot + "/tests/golden/hosts/" + host + ".closure.json";
  std::string got = pretty_closure(host);
  const char* accept = std::getenv("CAIRN_ACCEPT");
  if (accept && std::string(accept) == "1") {
    ASSERT_TRUE(write_file_atomic(golden, got));
    return;
  }
  auto want = read_file(golden);
  ASSERT_TRUE(want) << want.error().message << " (run with CAIRN_ACCEPT=1 to create it)";
  EXPECT_EQ(got, *want) << "closure of host " << host << " changed; if intended, refresh with CAIRN_ACCEPT=1";
}

TEST_P(HostClosure, IsDeterministic) {
  EXPECT_EQ(pretty_closure(GetParam()), pretty_closure(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(ExampleHosts, HostClosure, ::testing::Values("desktop", "laptop", "server", "vm"));

TEST(Host, UnknownHostIsAClearError) {
  EvalState state;
  try {
    evaluate_host(state, {kRoot, "nosuchhost", kRoot + "/modules"});
    FAIL() << "expected an error";
  } catch (const EvalError& e) {
    EXPECT_EQ(e.message, "there is no host `nosuchhost': " + kRoot + "/hosts/nosuchhost does not exist (hosts are "
                         "directories under " + kRoot + "/hosts)");
  }
}

TEST(Host, FindsTheRepositoryFromASubdirectory) {
  EXPECT_EQ(find_repo_root(kRoot + "/hosts/vm"), kRoot);
  EXPECT_EQ(find_repo_root("/"), "");
}

}  // namespace
}  // namespace cairn::eval
