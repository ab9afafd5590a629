// `lib`: the nixpkgs-style library modules use, written in Nix
// (builder/eval/lib/*.nix) and compiled into the binary.
#pragma once

#include <span>

#include "base/embedded.hh"
#include "builder/lang/eval.hh"

namespace cairn::eval {

/// The embedded sources of lib, in a fixed order (generated at build time).
std::span<const EmbeddedFile> lib_sources();

/// Builds `lib` in `state`: every file is `lib: { … }` applied to the final
/// lib (a lazy fixpoint); the result holds all their attributes (a name
/// defined in two files is an error) and each file's set under its base
/// name (lib.strings …). types.nix and generators.nix only appear as
/// lib.types and lib.generators. Call it once per evaluation.
lang::Value* load_lib(lang::EvalState& state);

}  // namespace cairn::eval
