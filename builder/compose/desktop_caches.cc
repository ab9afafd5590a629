// GSettings schemas and the MIME database. See desktop_caches.hh.
#include "builder/compose/desktop_caches.hh"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "base/lines.hh"
#include "base/subprocess.hh"

namespace cairn::compose {

namespace {

namespace fs = std::filesystem;

// Every regular file under `dir`, relative to `root`, sorted.
std::set<std::string> files_under(const std::string& root, const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root + "/" + dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) out.insert(fs::relative(it->path(), root, ec).string());
  return out;
}

bool any_file(const std::string& dir, std::string_view suffix) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().ends_with(suffix)) return true;
  return false;
}

// Runs a cache tool; an error says what to install.
Result<RunResult> run_tool(const std::string& where, const std::string& tool, const std::vector<std::string>& args,
                           const std::string& package) {
  RunOptions options;
  options.env = {"LC_ALL=C", "LANGUAGE", "PKGSYSTEM_ENABLE_FSYNC=0"};
  auto ran = run(tool, args, options);
  if (!ran) return fail(fmt::format("{}: {}; install {}", where, ran.error().message, package));
  if (!ran->success())
    return fail(fmt::format("{}: {} {}: {}", where, tool, ran->describe(), quote_stderr(ran->err)));
  return ran;
}

}  // namespace

Result<CacheOutput> build_gsettings_schemas(const std::string& root) {
  const std::string dir = root + "/usr/share/glib-2.0/schemas";
  CacheOutput out;
  if (!any_file(dir, ".gschema.xml")) {
    out.skipped = "the tree has no GSettings schemas (usr/share/glib-2.0/schemas/*.gschema.xml)";
    return out;
  }
  std::string where = fmt::format("compiling the GSettings schemas in {}", dir);
  auto ran = run_tool(where, "glib-compile-schemas", {dir}, "libglib2.0-bin");
  if (!ran) return std::unexpected(ran.error());
  out.written = {"usr/share/glib-2.0/schemas/gschemas.compiled"};
  for (std::string_view line : split_lines(ran->err))
    if (!line.empty()) out.notes.emplace_back(line);
  return out;
}

Result<CacheOutput> build_mime_database(const std::string& root) {
  const std::string mime = root + "/usr/share/mime";
  CacheOutput out;
  if (!any_file(mime + "/packages", ".xml")) {
    out.skipped = "the tree has no MIME type definitions (usr/share/mime/packages/*.xml)";
    return out;
  }
  std::set<std::string> before = files_under(root, "usr/share/mime");
  std::string where = fmt::format("building the MIME database in {}", mime);
  auto ran = run_tool(where, "update-mime-database", {mime}, "shared-mime-info");
  if (!ran) return std::unexpected(ran.error());
  std::set<std::string> after = files_under(root, "usr/share/mime");
  std::ranges::set_difference(after, before, std::back_inserter(out.written));
  if (out.written.empty())
    return fail(fmt::format("{}: update-mime-database exited successfully but wrote nothing", where));
  for (std::string_view line : split_lines(ran->err))
    if (!line.empty()) out.notes.emplace_back(line);
  return out;
}

}  // namespace cairn::compose
