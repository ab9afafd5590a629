let
  lib = rec {
    id = x: x;
    const = x: _: x;
    flip = f: a: b: f b a;
    range = first: last: if first > last then [ ] else [ first ] ++ range (first + 1) last;
    sum = builtins.foldl' (a: b: a + b) 0;
  };
in lib.sum (lib.range 1 10) + lib.flip lib.const 1 2
