// `cairn options [PATTERN] [--host NAME] [--markdown FILE]`: list and search
// the options of the standard module library (and of a host's own modules
// with --host), with type, default, example and description — or write the
// Markdown reference (docs/options.md).
#include <unistd.h>

#include <iostream>

#include "base/files.hh"
#include "builder/cli/verbs.hh"
#include "builder/eval/host.hh"
#include "builder/eval/option_docs.hh"

namespace cairn::cli {

namespace {

struct OptionsOptions {
  std::string pattern;
  std::string host;
  std::string markdown;
};

int run_options(const OptionsOptions& opts) {
  using namespace lang;
  EvalSettings settings;
  settings.allow_environment = false;
  EvalState state(settings);
  // Without --host the library alone is listed, so no repository is needed.
  std::string root = eval::find_repo_root(current_dir());
  if (root.empty() && !opts.host.empty()) return repo_root_or_report(), 1;
  std::string stdlib = eval::default_stdlib_dir();
  try {
    std::string display_root = root.empty() ? stdlib.substr(0, stdlib.rfind('/')) : root;
    eval::EvaluatedHost host = eval::evaluate_host(state, {display_root, opts.host, stdlib});
    std::vector<eval::OptionDoc> docs = eval::collect_option_docs(state, *host.options, host.args, display_root);
    if (!opts.markdown.empty()) {
      if (auto r = write_file_atomic(opts.markdown, eval::format_options_markdown(docs)); !r) {
        report_error("writing the option reference: " + r.error().message);
        return 1;
      }
      std::cerr << "cairn: wrote " << docs.size() << " options to " << opts.markdown << std::endl;
      return 0;
    }
    if (!opts.pattern.empty()) docs = eval::search_options(docs, opts.pattern);
    for (const eval::OptionDoc& d : docs) std::cout << eval::format_option_text(d) << '\n';
    if (docs.empty()) {
      std::cerr << "cairn: no option matches `" << opts.pattern << "'" << std::endl;
      return 1;
    }
    return 0;
  } catch (const EvalError& e) {
    std::cerr << format_error(e, state.positions) << std::endl;
    return 1;
  }
}

}  // namespace

void register_options(CLI::App& app, VerbResult& run) {
  auto opts = std::make_shared<OptionsOptions>();
  CLI::App* cmd = app.add_subcommand("options", "List and search options with type, default and description");
  cmd->add_option("pattern", opts->pattern, "Show options whose name or description contains PATTERN")
      ->type_name("PATTERN");
  cmd->add_option("--host", opts->host, "Include the options the host's own modules declare")->type_name("NAME");
  cmd->add_option("--markdown", opts->markdown, "Write the Markdown reference of all options to FILE")
      ->type_name("FILE");
  cmd->callback([opts, &run] { run = [opts] { return run_options(*opts); }; });
}

}  // namespace cairn::cli
