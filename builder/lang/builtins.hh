// Registration of the builtins, one file per family (builtins_lists.cc,
// builtins_strings.cc, …). Each family adds its primops to the state with
// EvalState::add_primop; names are given without the "__" prefix.
#pragma once

namespace cairn::lang {

class EvalState;

void register_attrs_builtins(EvalState& state);
void register_lists_builtins(EvalState& state);
void register_strings_builtins(EvalState& state);
void register_regex_builtins(EvalState& state);
void register_json_builtins(EvalState& state);
void register_files_builtins(EvalState& state);
void register_control_builtins(EvalState& state);
void register_math_builtins(EvalState& state);

}  // namespace cairn::lang
