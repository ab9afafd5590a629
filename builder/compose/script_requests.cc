// The parsers of script_commands.hh: the requests of the commands whose
// effect a compose pass applies, read from their expanded arguments the
// way the tools read them (options in any order, `--opt value` and
// `--opt=value`). Anything unknown at build time or outside what the
// tools accept is an error, which the scripts pass reports as "not
// understood: …" instead of guessing.
#include "builder/compose/script_commands.hh"

#include <charconv>

#include <fmt/format.h>

namespace cairn::compose::script_commands {

namespace {

bool known_all(const std::vector<Arg>& args, size_t from, size_t to) {
  if (to > args.size()) return false;
  for (size_t k = from; k < to; ++k)
    if (!args[k].known) return false;
  return true;
}

std::unexpected<Error> computed() { return fail("its arguments are computed at run time"); }

// `--name value` or `--name=value`: whether args[k] is option `name`
// taking a value; the value in `value`, k moved past it.
bool option_value(const std::vector<Arg>& args, size_t& k, std::string_view name, std::string& value) {
  const std::string& a = args[k].text;
  if (a == name && k + 1 < args.size()) {
    value = args[k + 1].text;
    k += 2;
    return true;
  }
  if (a.size() > name.size() && a.substr(0, name.size()) == name && a[name.size()] == '=') {
    value = a.substr(name.size() + 1);
    k += 1;
    return true;
  }
  return false;
}

std::optional<uint32_t> parse_number(std::string_view s, int base = 10) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string owner_name(std::string name) { return name == "0" ? "root" : name; }


}  // namespace

Result<std::optional<Alternative>> parse_alternative(const std::vector<Arg>& args) {
  size_t k = 1;
  std::string ignored;
  while (k < args.size()) {
    if (!args[k].known) return computed();
    const std::string& a = args[k].text;
    if (a == "--quiet" || a == "--verbose" || a == "--force" || a == "--skip-auto" || a == "--debug") {
      ++k;
    } else if (option_value(args, k, "--altdir", ignored) || option_value(args, k, "--admindir", ignored) ||
               option_value(args, k, "--log", ignored) || option_value(args, k, "--instdir", ignored) ||
               option_value(args, k, "--root", ignored)) {
    } else {
      break;
    }
  }
  if (k >= args.size()) return fail("update-alternatives without an action");
  if (args[k].text != "--install") return std::optional<Alternative>{};
  if (!known_all(args, k, std::min(args.size(), k + 5))) return computed();
  if (k + 5 > args.size()) return fail("--install needs a link, a name, a path and a priority");
  Alternative alt{args[k + 1].text, args[k + 2].text, args[k + 3].text};
  const std::string& prio = args[k + 4].text;
  int64_t priority = 0;
  auto [p, ec] = std::from_chars(prio.data(), prio.data() + prio.size(), priority);
  if (ec != std::errc() || p != prio.data() + prio.size())
    return fail(fmt::format("the priority `{}` is not a number", prio));
  alt.priority = priority;
  for (k += 5; k < args.size();) {
    if (!args[k].known) return computed();
    if (args[k].text != "--slave") return fail(fmt::format("`{}` after --install", args[k].text));
    if (!known_all(args, k, std::min(args.size(), k + 4))) return computed();
    if (k + 4 > args.size()) return fail("--slave needs a link, a name and a path");
    alt.slaves.push_back(Alternative::Slave{args[k + 1].text, args[k + 2].text, args[k + 3].text});
    k += 4;
  }
  for (const std::string* path : {&alt.link, &alt.path})
    if (path->empty() || (*path)[0] != '/') return fail(fmt::format("`{}` is not an absolute path", *path));
  return std::optional<Alternative>{std::move(alt)};
}

Result<std::optional<Diversion>> parse_diversion(const std::vector<Arg>& args, std::string_view package) {
  std::string owner(package), divert, path, action, ignored;
  bool local = false;
  for (size_t k = 1; k < args.size();) {
    if (!args[k].known) return computed();
    const std::string& a = args[k].text;
    if (option_value(args, k, "--package", owner) || option_value(args, k, "--divert", divert) ||
        option_value(args, k, "--admindir", ignored) || option_value(args, k, "--instdir", ignored) ||
        option_value(args, k, "--root", ignored)) {
      continue;
    }
    if (a == "--local") {
      local = true;
    } else if (a == "--add" || a == "--remove" || a == "--list" || a == "--listpackage" || a == "--truename") {
      action = a;
    } else if (a == "--rename" || a == "--no-rename" || a == "--quiet" || a == "--test") {
    } else if (a.substr(0, 2) == "--") {
      return fail(fmt::format("unknown option `{}`", a));
    } else {
      path = a;
    }
    ++k;
  }
  if (action.empty() && !path.empty()) action = "--add";
  if (action != "--add") return std::optional<Diversion>{};
  if (path.empty() || path[0] != '/') return fail("--add needs an absolute path");
  if (divert.empty()) divert = path + ".distrib";
  if (divert[0] != '/') return fail(fmt::format("--divert `{}` is not an absolute path", divert));
  return std::optional<Diversion>{
      Diversion{RootTree::merged_path(path), RootTree::merged_path(divert), local ? "" : owner}};
}

Result<std::vector<StatOverride>> parse_owner_mode(const std::vector<Arg>& args) {
  std::string name = program_name(args[0].text);
  std::vector<StatOverride> out;
  if (name == "dpkg-statoverride") {
    std::string ignored;
    for (size_t k = 1; k < args.size();) {
      if (!args[k].known) return computed();
      if (option_value(args, k, "--admindir", ignored) || option_value(args, k, "--root", ignored) ||
          option_value(args, k, "--instdir", ignored))
        continue;
      const std::string& a = args[k].text;
      if (a == "--add") {
        if (!known_all(args, k, k + 5)) return k + 5 > args.size() ? fail("--add needs a user, a group, a mode and a path") : computed();
        auto mode = parse_number(args[k + 3].text, 8);
        if (!mode || *mode > 07777) return fail(fmt::format("the mode `{}` is not octal", args[k + 3].text));
        const std::string& path = args[k + 4].text;
        if (path.empty() || path[0] != '/') return fail(fmt::format("`{}` is not an absolute path", path));
        out.push_back(StatOverride{RootTree::merged_path(path), owner_name(args[k + 1].text),
                                   owner_name(args[k + 2].text), *mode});
        k += 5;
      } else {
        ++k;
      }
    }
    return out;
  }
  // chown OWNER[:GROUP] FILE…, chgrp GROUP FILE…, chmod MODE FILE…
  std::vector<std::string> operands;
  for (size_t k = 1; k < args.size(); ++k) {
    if (!args[k].known) return computed();
    const std::string& a = args[k].text;
    if (a == "-R" || a == "--recursive") return fail("a recursive change is not understood");
    if (a.size() > 1 && a[0] == '-' && operands.empty() && !(name == "chmod" && a.find_first_not_of("-rwxXst") == std::string::npos)) continue;
    operands.push_back(a);
  }
  if (operands.size() < 2) return fail(fmt::format("`{}` needs a value and a file", name));
  StatOverride base;
  const std::string& value = operands[0];
  if (name == "chmod") {
    auto mode = parse_number(value, 8);
    if (!mode || *mode > 07777) return fail(fmt::format("the mode `{}` is not octal", value));
    base.mode = *mode;
  } else if (name == "chgrp") {
    base.group = owner_name(value);
  } else {
    size_t sep = value.find_first_of(":.");
    base.user = owner_name(value.substr(0, sep));
    if (sep != std::string::npos) base.group = owner_name(value.substr(sep + 1));
  }
  for (size_t k = 1; k < operands.size(); ++k) {
    if (operands[k].empty() || operands[k][0] != '/')
      return fail(fmt::format("`{}` is not an absolute path", operands[k]));
    StatOverride o = base;
    o.path = RootTree::merged_path(operands[k]);
    out.push_back(std::move(o));
  }
  return out;
}

Result<std::optional<ParsedAccount>> parse_account(const std::vector<Arg>& args) {
  std::string name = program_name(args[0].text);
  for (const Arg& a : args)
    if (!a.known) return computed();
  ParsedAccount out;
  AccountRequest& r = out.request;
  std::vector<std::string> names;
  bool system = false, group_flag = false, user_group = false, no_user_group = false;
  std::string ingroup, id, ignored;
  auto id_number = [&](const std::string& v) -> Result<void> {
    auto n = parse_number(v);
    if (!n) return fail(fmt::format("the id `{}` is not a number", v));
    out.id = *n;
    return {};
  };
  for (size_t k = 1; k < args.size();) {
    const std::string& a = args[k].text;
    std::string v;
    if (name == "adduser" || name == "addgroup") {
      if (option_value(args, k, "--home", r.home) || option_value(args, k, "--shell", r.shell) ||
          option_value(args, k, "--gecos", r.gecos) || option_value(args, k, "--comment", r.gecos) ||
          option_value(args, k, "--ingroup", ingroup) || option_value(args, k, "--conf", ignored) ||
          option_value(args, k, "--firstuid", ignored) || option_value(args, k, "--lastuid", ignored) ||
          option_value(args, k, "--firstgid", ignored) || option_value(args, k, "--lastgid", ignored) ||
          option_value(args, k, "--key", ignored))
        continue;
      if (option_value(args, k, "--uid", v) || option_value(args, k, "--gid", v)) {
        if (auto ok = id_number(v); !ok) return std::unexpected(ok.error());
        continue;
      }
      if (a == "--system") system = true;
      else if (a == "--group") group_flag = true;
      else if (a.substr(0, 1) == "-") {
        // --quiet, --disabled-password, --no-create-home, --force-badname, …
      } else names.push_back(a);
      ++k;
      continue;
    }
    // groupadd / useradd (shadow's tools): short options
    static const std::string_view takes_value[] = {"-d", "--home-dir", "-s", "--shell", "-c", "--comment", "-g",
                                                   "--gid", "-G", "--groups", "-u", "--uid", "-k", "--skel", "-K",
                                                   "--key", "-e", "-f", "-p", "--password", "-R", "--root", "-P",
                                                   "--prefix", "-b", "--base-dir"};
    bool with_value = false;
    for (std::string_view o : takes_value) with_value = with_value || a == o;
    if (with_value && k + 1 < args.size()) {
      const std::string& val = args[k + 1].text;
      if (a == "-d" || a == "--home-dir") r.home = val;
      else if (a == "-s" || a == "--shell") r.shell = val;
      else if (a == "-c" || a == "--comment") r.gecos = val;
      else if ((a == "-g" || a == "--gid") && name == "useradd") ingroup = val;
      else if (a == "-g" || a == "--gid" || a == "-u" || a == "--uid") {
        if (auto ok = id_number(val); !ok) return std::unexpected(ok.error());
      }
      k += 2;
      continue;
    }
    if (a == "-r" || a == "--system") system = true;
    else if (a == "-U" || a == "--user-group") user_group = true;
    else if (a == "-N" || a == "--no-user-group") no_user_group = true;
    else if (a.substr(0, 1) != "-") names.push_back(a);
    ++k;
  }
  if (names.empty() || names[0].empty()) return fail(fmt::format("`{}` without a name", name));
  if (names.size() > 1)
    return fail(fmt::format("adding user {} to group {} is not supported: list the group in "
                            "users.users.{}.extraGroups",
                            names[0], names[1], names[0]));
  r.name = names[0];
  if (name == "addgroup" || name == "groupadd" || (name == "adduser" && group_flag && !system)) {
    r.kind = AccountRequest::Kind::group;
    r.home.clear();
    r.shell.clear();
    return std::optional<ParsedAccount>{std::move(out)};
  }
  if (name == "adduser" && !system) return fail("a non-system user is not created from a script: add it to users.users");
  r.kind = AccountRequest::Kind::user;
  if (name == "adduser") {
    r.group = group_flag ? r.name : ingroup;
  } else {  // useradd: Debian's USERGROUPS_ENAB=yes makes a same-named group
    r.group = !ingroup.empty() ? ingroup : (no_user_group && !user_group) ? "users" : r.name;
    if (r.home.empty()) r.home = "/home/" + r.name;
    if (r.shell.empty()) r.shell = "/bin/sh";
  }
  return std::optional<ParsedAccount>{std::move(out)};
}

Result<std::vector<UnitRequest>> parse_units(const std::vector<Arg>& args) {
  std::string name = program_name(args[0].text);
  std::vector<UnitRequest> out;
  bool user = false, enable = false;
  std::string ignored;
  for (size_t k = 1; k < args.size();) {
    if (!args[k].known) return computed();
    const std::string& a = args[k].text;
    if (!enable && (option_value(args, k, "--root", ignored) || option_value(args, k, "--preset-mode", ignored)))
      continue;
    if (a == "--user" || a == "--global") user = true;
    else if (a.substr(0, 1) == "-") {
      // --system, --quiet, -q, --no-reload, --now, --force, …
    } else if (!enable) {
      if (a != "enable") return out;
      enable = true;
    } else {
      UnitRequest u{program_name(a), user};
      if (u.unit.find('.') == std::string::npos) u.unit += ".service";  // systemctl's default suffix
      out.push_back(std::move(u));
    }
    ++k;
  }
  if (enable && out.empty()) return fail(fmt::format("`{} enable` without a unit", name));
  return out;
}


}  // namespace cairn::compose::script_commands
