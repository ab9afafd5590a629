// Tests for the evaluation-control builtins (builtins_control.cc): which
// errors tryEval catches, what trace/warn print, the error context frames
// addErrorContext adds, type predicates, getEnv and the constants.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "builder/lang/test_util.hh"

namespace cairn::lang {
namespace {

using testing::eval_str;
using testing::expect_cases;

/// Evaluates `expr` with `settings`, printed strictly (or the error message).
std::string eval_with(const EvalSettings& settings, std::string_view expr) {
  EvalState state(settings);
  try {
    Value v;
    state.eval(state.parse_string(expr, "/test"), v);
    std::ostringstream out;
    print_value(state, v, out, true);
    return out.str();
  } catch (const EvalError& e) {
    return "error: " + e.message;
  }
}

TEST(ControlBuiltins, ThrowAndAbort) {
  expect_cases({
      {"throw \"x\"", "error: x"},
      {"builtins.throw \"x\"", "error: x"},
      {"builtins.abort \"x\"", "error: evaluation aborted with the following error message: 'x'"},
      {"builtins.throw 1", "error: cannot coerce an integer to a string"},
  });
}

TEST(ControlBuiltins, TryEval) {
  expect_cases({
      {"builtins.tryEval 1", "{ success = true; value = 1; }"},
      {"builtins.tryEval (throw \"x\")", "{ success = false; value = false; }"},
      {"builtins.tryEval (assert false; 1)", "{ success = false; value = false; }"},
      // Only throw and assert are caught.
      {"builtins.tryEval (builtins.abort \"x\")",
       "error: evaluation aborted with the following error message: 'x'"},
      {"builtins.tryEval (1 + \"a\")", "error: cannot add a string to an integer"},
      // Shallow: what is inside the value is not evaluated.
      {"(builtins.tryEval { a = throw \"x\"; }).success", "true"},
      {"(builtins.tryEval (builtins.deepSeq { a = throw \"x\"; } 1)).success", "false"},
  });
}

TEST(ControlBuiltins, Seq) {
  expect_cases({
      {"builtins.seq 1 2", "2"},
      {"builtins.seq (throw \"a\") 1", "error: a"},
      {"builtins.seq [ (throw \"a\") ] 1", "1"},
      {"builtins.deepSeq [ (throw \"a\") ] 1", "error: a"},
      {"builtins.deepSeq { a.b = 1; } 2", "2"},
  });
}

TEST(ControlBuiltins, AddErrorContext) {
  expect_cases({
      {"builtins.addErrorContext \"ctx\" 1", "1"},
      {"builtins.addErrorContext (throw \"unused\") 1", "1"},
      {"builtins.addErrorContext \"ctx\" (throw \"foo\")", "error: foo"},
  });
  // The context is added as a trace frame of the same (rethrown) error.
  EvalState state;
  Value v;
  try {
    state.eval(state.parse_string("builtins.addErrorContext \"while doing X\" (throw \"foo\")", "/test"), v);
    FAIL() << "no error";
  } catch (const ThrownError& e) {
    EXPECT_EQ(e.message, "foo");
    bool found = false;
    for (const Trace& t : e.traces) found = found || t.message == "while doing X";
    EXPECT_TRUE(found);
  }
}

TEST(ControlBuiltins, TraceAndWarn) {
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(eval_str("builtins.trace \"hello\" 2"), "2");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "trace: hello\n");

  ::testing::internal::CaptureStderr();
  EXPECT_EQ(eval_str("builtins.trace { a = 1; } 2"), "2");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "trace: { a = 1; }\n");

  ::testing::internal::CaptureStderr();
  EXPECT_EQ(eval_str("builtins.warn \"careful\" 3"), "3");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "warning: careful\n");

  expect_cases({
      {"builtins.warn 1 2", "error: value is an integer while a string was expected"},
      {"builtins.traceVerbose \"quiet\" 4", "4"},
      {"builtins.break 5", "5"},
  });
}

TEST(ControlBuiltins, TypeOf) {
  expect_cases({
      {"map builtins.typeOf [ 1 1.0 \"s\" /a null true [ ] { } (x: x) builtins.map (builtins.map (x: x)) ]",
       R"([ "int" "float" "string" "path" "null" "bool" "list" "set" "lambda" "lambda" "lambda" ])"},
      {"builtins.typeOf { __functor = s: x: x; }", R"("set")"},
  });
}

TEST(ControlBuiltins, Predicates) {
  expect_cases({
      {"map builtins.isNull [ null 1 ]", "[ true false ]"},
      {"map builtins.isBool [ true 1 ]", "[ true false ]"},
      {"map builtins.isString [ \"s\" /a ]", "[ true false ]"},
      {"map builtins.isPath [ /a \"/a\" ]", "[ true false ]"},
      {"map builtins.isFunction [ (x: x) builtins.map (builtins.map (x: x)) { __functor = s: x: x; } 1 ]",
       "[ true true true false false ]"},
  });
}

TEST(ControlBuiltins, GetEnv) {
  setenv("CAIRN_CONTROL_TEST_VAR", "foo", 1);
  unsetenv("CAIRN_CONTROL_TEST_UNSET");
  expect_cases({
      {"builtins.getEnv \"CAIRN_CONTROL_TEST_VAR\"", R"("foo")"},
      {"builtins.getEnv \"CAIRN_CONTROL_TEST_UNSET\"", R"("")"},
  });
  EvalSettings hermetic;
  hermetic.allow_environment = false;
  EXPECT_EQ(eval_with(hermetic, "builtins.getEnv \"CAIRN_CONTROL_TEST_VAR\""), R"("")");
}

TEST(ControlBuiltins, Constants) {
  expect_cases({
      {"builtins.langVersion", "6"},
      {"builtins.storeDir", R"("/nix/store")"},
      {"builtins.nixVersion", R"("2.18.0")"},
      {"builtins.compareVersions builtins.nixVersion \"2.18\" >= 0", "true"},
  });
  std::string system = eval_str("builtins.currentSystem");
  EXPECT_TRUE(system.ends_with("-linux\"")) << system;
}

}  // namespace
}  // namespace cairn::lang
