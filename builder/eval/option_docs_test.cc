// Option documentation: collection (with submodule options), search, and
// the text and Markdown renderings.
#include <gtest/gtest.h>

#include "builder/eval/lib_loader.hh"
#include "builder/eval/modules.hh"
#include "builder/eval/option_docs.hh"

namespace cairn::eval {
namespace {

using namespace lang;

std::vector<OptionDoc> docs_of(EvalState& state, const std::string& module) {
  EvalModulesArgs args;
  args.args = {{"lib", load_lib(state)}};
  Value* m = state.alloc_value();
  state.eval(state.parse_string(module, "/r", "/r/mod.nix"), *m);
  args.modules.push_back(m);
  args.display_root = "/r";
  auto module_args = args.args;
  EvaluatedModules e = eval_modules(state, std::move(args));
  return collect_option_docs(state, *e.options, module_args, "/r");
}

const char* kModule = R"({ lib, ... }: with lib; {
  options.services.web = {
    enable = mkEnableOption "the web server";
    port = mkOption { type = types.port; default = 80; description = "Port to listen on."; };
    secret = mkOption { type = types.str; internal = true; default = ""; };
    sites = mkOption {
      type = types.attrsOf (types.submodule ({ name, ... }: {
        options.root = mkOption { type = types.str; default = "/srv/${name}"; description = "Document root."; };
      }));
      default = { };
      description = "Sites, by host name.";
    };
  };
})";

TEST(OptionDocs, CollectsSortedVisibleOptionsWithSubmoduleOptions) {
  EvalState state;
  std::vector<std::string> names;
  for (const OptionDoc& d : docs_of(state, kModule)) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"services.web.enable", "services.web.port", "services.web.sites",
                                             "services.web.sites.<name>.root"}));
}

TEST(OptionDocs, TextRendering) {
  EvalState state;
  auto docs = docs_of(state, kModule);
  EXPECT_EQ(format_option_text(docs[1]),
            "services.web.port\n"
            "    type:     16 bit unsigned integer; between 0 and 65535 (both inclusive)\n"
            "    default:  80\n"
            "    declared: mod.nix\n"
            "    Port to listen on.\n");
  EXPECT_EQ(docs[3].default_text, "\"/srv/<name>\"");
  EXPECT_EQ(docs[3].declared_in, "mod.nix");
}

TEST(OptionDocs, SearchMatchesNamesAndDescriptionsIgnoringCase) {
  EvalState state;
  auto docs = docs_of(state, kModule);
  EXPECT_EQ(search_options(docs, "PORT").size(), 1u);
  EXPECT_EQ(search_options(docs, "document root").size(), 1u);
  EXPECT_EQ(search_options(docs, "nothing-like-this").size(), 0u);
}

TEST(OptionDocs, Markdown) {
  EvalState state;
  auto docs = docs_of(state, kModule);
  std::string md = format_options_markdown({docs[0]});
  EXPECT_NE(md.find("## `services.web.enable`\n\nWhether to enable the web server.\n\n*Type:* boolean\n\n"
                    "*Default:* `false`\n\n*Example:* `true`\n\n*Declared in:* `mod.nix`\n"),
            std::string::npos)
      << md;
}

}  // namespace
}  // namespace cairn::eval
