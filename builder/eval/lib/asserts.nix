# asserts.nix — assertions with messages (nixpkgs' lib/asserts.nix).
lib:
{
  # assert assertMsg cond "message"; throws the message when cond is false.
  assertMsg = pred: msg: pred || builtins.throw msg;
  assertOneOf = name: val: xs:
    lib.assertMsg (builtins.elem val xs)
      "${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } val}";
  assertEachOneOf = name: vals: xs:
    lib.assertMsg (builtins.all (val: builtins.elem val xs) vals)
      "each element in ${name} must be one of ${lib.generators.toPretty { } xs}, but is: ${lib.generators.toPretty { } vals}";
  # `val` after checking [ { assertion; message; } ] and printing warnings.
  checkAssertWarn = assertions: warnings: val:
    let failed = map (x: x.message) (builtins.filter (x: !x.assertion) assertions); in
    if failed != [ ]
    then throw "\nFailed assertions:\n${builtins.concatStringsSep "\n" (map (x: "- ${x}") failed)}"
    else lib.showWarnings warnings val;
}
