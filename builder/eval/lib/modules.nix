# modules.nix — definition properties and option-migration modules
# (nixpkgs' lib/modules.nix). The properties are tagged sets the native
# module system understands (builder/eval/CONTRACT.md); evalModules itself
# is native and not defined here.
#
# Lower priority numbers win: mkVMOverride 10 < mkForce 50 <
# mkImageMediaOverride 60 < plain 100 < mkDefault 1000 < option default 1500.
lib:
let
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = priority: content: { _type = "order"; inherit priority content; };

  defaultOverridePriority = 100;

  # The module that renames, or aliases, option `from` to `to`: `from` is
  # declared (type anything, no default) and its definitions (or, where the
  # module system gives no `definitions`, its merged value) are forwarded to
  # `to` with their priority (`highestPrio`, else the plain 100). With `warn`, defining `from`
  # adds to `warnings`, which must be declared (the standard library does).
  # Unlike nixpkgs this does not test `options ? warnings`: which options a
  # module defines may not depend on `options` in cairn's module system.
  doRename = { from, to, visible, warn }:
    { config, options, ... }:
    let
      fromOpt = lib.getAttrFromPath from options;
      where = if fromOpt ? files then " defined in ${lib.showFiles fromOpt.files}" else "";
    in
    {
      options = lib.setAttrByPath from (lib.mkOption {
        inherit visible;
        type = lib.types.anything;
        description = "Alias of `${lib.showOption to}'.";
      });
      config = mkMerge [
        (lib.optionalAttrs warn {
          warnings = mkIf fromOpt.isDefined [
            "The option `${lib.showOption from}'${where} has been renamed to `${lib.showOption to}'."
          ];
        })
        (lib.setAttrByPath to (mkIf fromOpt.isDefined (mkMerge (map
          (mkOverride (fromOpt.highestPrio or defaultOverridePriority))
          (fromOpt.definitions or [ (lib.getAttrFromPath from config) ])))))
      ];
    };
in
{
  inherit mkIf mkMerge mkOverride mkOrder defaultOverridePriority;

  # mkIf, but a false condition is an error with `message`.
  mkAssert = assertion: message: content:
    mkIf (if assertion then true else throw "\nFailed assertion: ${message}") content;

  defaultPriority = defaultOverridePriority;
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;

  defaultOrderPriority = 1000;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  # Gives a module a file name for messages.
  setDefaultModuleLocation = file: m: { _file = file; imports = [ m ]; };
  # import file arg, with the file named in messages.
  importApply = modulePath: staticArg:
    lib.setDefaultModuleLocation modulePath (import modulePath staticArg);

  # Defines whatever `option` (an element of `options`) is defined to, if it is.
  mkAliasDefinitions = lib.mkAliasAndWrapDefinitions (x: x);
  mkAliasAndWrapDefinitions = wrap: option:
    mkIf (lib.isOption option && option.isDefined) (wrap (option.value));

  # A module declaring `optionName` invisibly: using its value throws, and
  # defining it fails the `assertions` check (the option must be declared;
  # the standard library does).
  mkRemovedOptionModule = optionName: replacementInstructions:
    { options, ... }:
    let
      opt = lib.getAttrFromPath optionName options;
      where = if opt ? files then " in ${lib.showFiles opt.files}" else "";
    in
    {
      options = lib.setAttrByPath optionName (lib.mkOption {
        visible = false;
        type = lib.types.anything;
        apply = _: throw "The option `${lib.showOption optionName}' can no longer be used since it's been removed. ${replacementInstructions}";
      });
      config.assertions = [{
        assertion = !opt.isDefined;
        message = ''
          The option definition `${lib.showOption optionName}'${where} no longer has any effect; please remove it.
          ${replacementInstructions}
        '';
      }];
    };

  # `from` was renamed to `to`: definitions are forwarded, with a warning.
  mkRenamedOptionModule = from: to: doRename { inherit from to; visible = false; warn = true; };
  # `from` is another name for `to`: definitions are forwarded silently.
  mkAliasOptionModule = from: to: doRename { inherit from to; visible = true; warn = false; };
}
