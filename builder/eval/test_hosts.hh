// Helpers for the tests of the standard module library's modules: a host
// written into a scratch repository, evaluated with the real library
// (modules/), and its closure description as JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "builder/eval/host.hh"
#include "builder/eval/test_modules.hh"

namespace cairn::eval::testing {

/// The closure of a host `t` whose default.nix sets `settings` (module
/// lines) on a minimal x86_64 PC; null with `error` set to the message
/// ("Failed assertions: …", a type error) when evaluation fails.
inline nlohmann::json host_closure(const std::string& settings, std::string* error) {
  TempDir repo;
  repo.write("hosts/t/default.nix", "{ lib, pkgs, ... }: {\n"
                                    "  system.platform = \"x86_64-linux\";\n"
                                    "  system.stateVersion = \"1\";\n" +
                                        settings + "\n}\n");
  lang::EvalSettings es;
  es.allow_environment = false;
  lang::EvalState state(es);
  try {
    EvaluatedHost h = evaluate_host(state, {repo.path(), "t", std::string(CAIRN_SOURCE_ROOT) + "/modules"});
    check_assertions(state, *h.config);
    return nlohmann::json::parse(closure_json(state, *h.config));
  } catch (const lang::EvalError& e) {
    *error = e.message;
    return nullptr;
  }
}

/// Whether the closure requests the Debian package `name`.
inline bool requests(const nlohmann::json& closure, const std::string& name) {
  for (const auto& p : closure["packages"]["requested"])
    if (p == name) return true;
  return false;
}

}  // namespace cairn::eval::testing
