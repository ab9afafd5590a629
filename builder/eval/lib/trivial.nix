# trivial.nix — small combinators, comparisons, warnings and function
# introspection (nixpkgs' lib/trivial.nix semantics). Also re-exports the
# plain builtins that nixpkgs puts at the top of `lib` (add, seq, isInt, …).
lib:
let
  inherit (builtins) isFunction;

  # An attribute set with __functor counts as a function, as in nixpkgs.
  isFunction' = f: isFunction f || (f ? __functor && isFunction' (f.__functor f));

  # Prints a warning and returns the value (builtins.warn where the evaluator
  # has it, a trace with nixpkgs' prefix otherwise).
  warn = builtins.warn or (msg: v: builtins.trace "evaluation warning: ${msg}" v);
in
{
  inherit (builtins)
    add sub lessThan seq deepSeq trace addErrorContext unsafeGetAttrPos
    isBool isInt isFloat isPath typeOf bitAnd bitOr bitXor pathExists readFile;

  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  # pipe x [ f g ] = g (f x)
  pipe = builtins.foldl' (x: f: f x);
  concat = x: y: x ++ y;
  "or" = x: y: x || y;
  and = x: y: x && y;
  xor = x: y: (!x) != (!y);
  bitNot = builtins.sub (-1);
  boolToString = b: if b then "true" else "false";
  mergeAttrs = x: y: x // y;
  # Remainder with the sign of the dividend, like C's %.
  mod = base: int: base - (int * (builtins.div base int));
  min = x: y: if x < y then x else y;
  max = x: y: if x > y then x else y;
  # -1, 0 or 1.
  compare = a: b: if a < b then -1 else if a > b then 1 else 0;
  # f x unless x is null.
  mapNullable = f: a: if a == null then a else f a;
  defaultTo = default: maybeValue: if maybeValue != null then maybeValue else default;

  # Digits of `i` in base `base`, most significant first.
  toBaseDigits = base: i:
    let
      go = i: if i < base then [ i ] else go (builtins.div i base) ++ [ (i - base * builtins.div i base) ];
    in
    assert base >= 2; assert i >= 0; go i;
  toHexString = i:
    builtins.concatStringsSep "" (map (d: builtins.elemAt [ "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "A" "B" "C" "D" "E" "F" ] d)
      (lib.toBaseDigits 16 i));

  inherit warn;
  warnIf = cond: msg: if cond then warn msg else x: x;
  warnIfNot = cond: msg: if cond then x: x else warn msg;
  throwIf = cond: msg: if cond then throw msg else x: x;
  throwIfNot = cond: msg: if cond then x: x else throw msg;
  info = msg: builtins.trace "INFO: ${msg}";
  # Prints every warning, then returns `res`.
  showWarnings = warnings: res: builtins.foldl' (r: w: warn w r) res warnings;

  isFunction = isFunction';
  # Like builtins.functionArgs, also for __functor sets.
  functionArgs = f:
    if f ? __functor then f.__functionArgs or (lib.functionArgs (f.__functor f))
    else builtins.functionArgs f;
  # Gives `f` the formal arguments `args` ({ name = hasDefault; }).
  setFunctionArgs = f: args: { __functor = self: f; __functionArgs = args; };
  mirrorFunctionArgs = f: g: lib.setFunctionArgs g (lib.functionArgs f);
  # A function unchanged; anything else as a function ignoring its argument.
  toFunction = v: if isFunction' v then v else _: v;

  inNixShell = false;
  version = "cairn";
  release = "cairn";
  codeName = "cairn";
}
