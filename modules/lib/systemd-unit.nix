# Helpers for systemd units, shared by modules/system/systemd.nix and the
# services that define units (like nixpkgs' nixos/lib/systemd-lib.nix).
#
# Not a module: import it with `import ../lib/systemd-unit.nix { inherit lib; }`.
#
# Units are written in systemd's INI format. A section's keys come out sorted
# (attribute-set order), so the text is stable; a list value repeats its key
# once per element, in order, which is how systemd accumulates ExecStart=,
# Environment= and friends (an empty string first resets the list, as in a
# drop-in that replaces a packaged ExecStart=).
{ lib }:

let
  inherit (lib) types;

  scalar = types.oneOf [ types.str types.int types.bool ];
in
rec {
  # The type of one setting in unitConfig / serviceConfig: a string, an
  # integer, a boolean, or a list of those (the key is repeated).
  unitOption = types.either scalar (types.listOf scalar);

  # How systemd spells a value.
  toUnitValue = v:
    if v == true then "true"
    else if v == false then "false"
    else toString v;

  # The body of one section: "Key=value" lines, keys sorted, lists repeated.
  renderSection = attrs:
    lib.concatStrings (lib.mapAttrsToList
      (key: value:
        lib.concatMapStrings (v: "${key}=${toUnitValue v}\n")
          (if builtins.isList value then value else [ value ]))
      attrs);

  # A whole unit from an ordered list of { name; settings; } sections; empty
  # sections are left out, sections are separated by a blank line.
  renderUnit = sections:
    lib.concatStringsSep "\n"
      (map (s: "[${s.name}]\n${renderSection s.settings}")
        (builtins.filter (s: s.settings != { }) sections));

  # Dependency lists become one space-separated value; an empty list sets
  # nothing (so a drop-in does not reset what the packaged unit says).
  depsToSettings = deps:
    lib.filterAttrs (_: v: v != "")
      (builtins.mapAttrs (_: l: lib.concatStringsSep " " l) deps);

  # A short, stable digest of a text: names generated files after their
  # content, so a changed script changes the unit that runs it (and the
  # switch restarts it), as a Nix store path would.
  digest = text: builtins.substring 0 12 (builtins.hashString "sha256" text);
}
