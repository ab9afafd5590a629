#include "builder/generations/manifest.hh"

#include <fmt/format.h>

#include "base/files.hh"

namespace cairn::generations {

namespace {

using nlohmann::json;

// Reading with the member's path in every error.
struct Reader {
  std::string_view file;

  Error error(const std::string& path, std::string_view expected) const {
    return Error{fmt::format("{}: {}: expected {}; the system directory is damaged, "
                             "delete it and build again",
                             file, path, expected)};
  }
  Result<const json*> member(const json& obj, const std::string& path, const char* key) const {
    auto it = obj.find(key);
    if (it == obj.end()) return std::unexpected(error(path + "." + key, "a value (it is missing)"));
    return &*it;
  }
  Result<std::string> string(const json& obj, const std::string& path, const char* key) const {
    auto m = member(obj, path, key);
    if (!m) return std::unexpected(m.error());
    if (!(*m)->is_string()) return std::unexpected(error(path + "." + key, "a string"));
    return (*m)->get<std::string>();
  }
  template <class T>
  Result<T> number(const json& obj, const std::string& path, const char* key) const {
    auto m = member(obj, path, key);
    if (!m) return std::unexpected(m.error());
    if (!(*m)->is_number_integer()) return std::unexpected(error(path + "." + key, "an integer"));
    return (*m)->get<T>();
  }
  Result<std::vector<std::string>> strings(const json& obj, const std::string& path, const char* key) const {
    auto m = member(obj, path, key);
    if (!m) return std::unexpected(m.error());
    if (!(*m)->is_array()) return std::unexpected(error(path + "." + key, "a list of strings"));
    std::vector<std::string> out;
    for (const json& e : **m) {
      if (!e.is_string()) return std::unexpected(error(path + "." + key, "a list of strings"));
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  template <class V>
  Result<std::map<std::string, V>> map(const json& obj, const std::string& path, const char* key) const {
    auto m = member(obj, path, key);
    if (!m) return std::unexpected(m.error());
    if (!(*m)->is_object()) return std::unexpected(error(path + "." + key, "an object"));
    std::map<std::string, V> out;
    for (auto it = (*m)->begin(); it != (*m)->end(); ++it) {
      if constexpr (std::is_same_v<V, std::string>) {
        if (!it->is_string()) return std::unexpected(error(path + "." + key + "." + it.key(), "a string"));
      } else {
        if (!it->is_number_unsigned()) return std::unexpected(error(path + "." + key + "." + it.key(), "a number"));
      }
      out[it.key()] = it->template get<V>();
    }
    return out;
  }
};

#define TRY_SET(target, expr)                          \
  do {                                                 \
    auto r_ = (expr);                                  \
    if (!r_) return std::unexpected(r_.error());       \
    target = std::move(*r_);                           \
  } while (0)

}  // namespace

json to_json(const Manifest& m) {
  json packages = json::array();
  for (const ManifestPackage& p : m.packages)
    packages.push_back({{"name", p.name}, {"version", p.version}, {"architecture", p.architecture},
                        {"sha256", p.sha256}, {"size", p.size}});
  return json{
      {"format", m.format},
      {"host", m.host},
      {"name", m.name},
      {"platform", m.platform},
      {"architecture", m.architecture},
      {"generation", m.generation},
      {"closureHash", m.closure_hash},
      {"lockHash", m.lock_hash},
      {"inputsHash", m.inputs_hash},
      {"sourceDateEpoch", m.source_date_epoch},
      {"packages", packages},
      {"kernel", {{"version", m.kernel.version}, {"package", m.kernel.package}, {"file", m.kernel.file},
                  {"initrd", m.kernel.initrd}, {"params", m.kernel.params}}},
      {"initrdModules", m.initrd_modules},
      {"image", {{"file", m.image.file}, {"sha256", m.image.sha256}, {"size", m.image.size}}},
      {"etc", m.etc},
      {"units", m.units},
      {"uids", m.uids},
      {"gids", m.gids},
      {"alternatives", m.alternatives},
      {"boot", m.boot},
      {"persist", {{"files", m.persist.files}, {"directories", m.persist.directories}}},
      {"buildInputs", m.build_inputs},
  };
}

Result<Manifest> manifest_from_json(const json& j, std::string_view file) {
  Reader r{file};
  if (!j.is_object()) return std::unexpected(r.error("(top)", "an object"));
  Manifest m;
  TRY_SET(m.format, r.number<int>(j, "", "format"));
  if (m.format != 1)
    return fail(fmt::format("{}: format {} is not known to this cairn (it reads format 1); "
                            "build the system again with this cairn",
                            file, m.format));
  TRY_SET(m.host, r.string(j, "", "host"));
  TRY_SET(m.name, r.string(j, "", "name"));
  TRY_SET(m.platform, r.string(j, "", "platform"));
  TRY_SET(m.architecture, r.string(j, "", "architecture"));
  TRY_SET(m.generation, r.number<uint64_t>(j, "", "generation"));
  TRY_SET(m.closure_hash, r.string(j, "", "closureHash"));
  TRY_SET(m.lock_hash, r.string(j, "", "lockHash"));
  TRY_SET(m.inputs_hash, r.string(j, "", "inputsHash"));
  TRY_SET(m.source_date_epoch, r.number<int64_t>(j, "", "sourceDateEpoch"));
  const json* packages = nullptr;
  TRY_SET(packages, r.member(j, "", "packages"));
  if (!packages->is_array()) return std::unexpected(r.error("packages", "a list"));
  for (size_t i = 0; i < packages->size(); ++i) {
    const json& p = (*packages)[i];
    std::string path = fmt::format("packages[{}]", i);
    if (!p.is_object()) return std::unexpected(r.error(path, "an object"));
    ManifestPackage mp;
    TRY_SET(mp.name, r.string(p, path, "name"));
    TRY_SET(mp.version, r.string(p, path, "version"));
    TRY_SET(mp.architecture, r.string(p, path, "architecture"));
    TRY_SET(mp.sha256, r.string(p, path, "sha256"));
    TRY_SET(mp.size, r.number<uint64_t>(p, path, "size"));
    m.packages.push_back(std::move(mp));
  }
  const json* kernel = nullptr;
  TRY_SET(kernel, r.member(j, "", "kernel"));
  if (!kernel->is_object()) return std::unexpected(r.error("kernel", "an object"));
  TRY_SET(m.kernel.version, r.string(*kernel, "kernel", "version"));
  TRY_SET(m.kernel.package, r.string(*kernel, "kernel", "package"));
  TRY_SET(m.kernel.file, r.string(*kernel, "kernel", "file"));
  TRY_SET(m.kernel.params, r.strings(*kernel, "kernel", "params"));
  if (kernel->contains("initrd")) TRY_SET(m.kernel.initrd, r.string(*kernel, "kernel", "initrd"));
  TRY_SET(m.initrd_modules, r.strings(j, "", "initrdModules"));
  const json* image = nullptr;
  TRY_SET(image, r.member(j, "", "image"));
  if (!image->is_object()) return std::unexpected(r.error("image", "an object"));
  TRY_SET(m.image.file, r.string(*image, "image", "file"));
  TRY_SET(m.image.sha256, r.string(*image, "image", "sha256"));
  TRY_SET(m.image.size, r.number<uint64_t>(*image, "image", "size"));
  TRY_SET(m.etc, r.map<std::string>(j, "", "etc"));
  TRY_SET(m.units, r.map<std::string>(j, "", "units"));
  TRY_SET(m.uids, r.map<uint32_t>(j, "", "uids"));
  TRY_SET(m.gids, r.map<uint32_t>(j, "", "gids"));
  TRY_SET(m.alternatives, r.map<std::string>(j, "", "alternatives"));
  const json* boot = nullptr;
  TRY_SET(boot, r.member(j, "", "boot"));
  m.boot = *boot;
  // Absent in systems built before compose version 3: nothing persisted.
  if (j.contains("persist")) {
    const json* persist = nullptr;
    TRY_SET(persist, r.member(j, "", "persist"));
    if (!persist->is_object()) return std::unexpected(r.error("persist", "an object"));
    TRY_SET(m.persist.files, r.strings(*persist, "persist", "files"));
    TRY_SET(m.persist.directories, r.strings(*persist, "persist", "directories"));
  }
  TRY_SET(m.build_inputs, r.map<std::string>(j, "", "buildInputs"));
  return m;
}

std::string format_manifest(const Manifest& m) { return to_json(m).dump(2) + "\n"; }

Result<Manifest> read_manifest(const std::string& system_dir) {
  std::string path = system_dir + "/manifest.json";
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return fail(path + ": not valid JSON; the system directory is damaged, delete it and build again");
  return manifest_from_json(j, path);
}

Result<void> write_manifest(const std::string& system_dir, const Manifest& m) {
  return write_file_atomic(system_dir + "/manifest.json", format_manifest(m));
}

}  // namespace cairn::generations
