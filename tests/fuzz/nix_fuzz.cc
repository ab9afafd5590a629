// libFuzzer target: Nix source text → parse → evaluate → print strictly.
//
// Every input gets a fresh EvalState, as one `cairn eval --strict --expr`
// run would. An EvalError (parse errors, type errors, assert, throw, abort,
// infinite recursion, stack overflow) is the language reporting a problem in
// the input and is expected; anything else — a crash, a sanitizer report, a
// different exception escaping, a hang past -timeout — is a bug.
//
// The evaluator's builtins can read the filesystem (import, readFile,
// readDir, pathExists) and none of them writes. The environment is kept out
// (allow_environment = false: getEnv returns "", NIX_PATH is ignored) so
// that a run does not depend on the machine; relative paths resolve under
// /fuzz, which does not exist. Output goes to a sink that discards it.
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <streambuf>
#include <string_view>

#include "builder/lang/error.hh"
#include "builder/lang/eval.hh"
#include "builder/lang/print.hh"

namespace {

/// A streambuf that accepts and drops everything.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return traits_type::not_eof(c); }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn::lang;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  EvalSettings settings;
  settings.home = "/fuzz-home";
  settings.allow_environment = false;
  // ASan's larger frames need a lower nesting limit than the default.
  settings.max_depth = 2000;
  // Nix programs may legitimately run forever (a genericClosure that never
  // closes); a step budget ends them so that only real hangs are reported.
  settings.max_steps = 200000;

  NullBuffer null_buffer;
  std::ostream sink(&null_buffer);
  try {
    EvalState state(settings);
    Expr* e = state.parse_string(text, "/fuzz");
    Value v;
    state.eval(e, v);
    print_value(state, v, sink, /*strict=*/true);
  } catch (const EvalError&) {
    // The input is not a valid, terminating Nix program: expected.
  }
  return 0;
}
