# lists.nix — list functions (nixpkgs' lib/lists.nix semantics), built on
# the list builtins (genList, foldl', concatMap, filter) rather than on
# recursion wherever the laziness of the result allows it.
lib:
let
  inherit (builtins) length elemAt genList filter concatMap foldl' elem head tail;

  # sublist start count list: the part of `list` from `start`, at most `count` long.
  sublist = start: count: list:
    let
      len = length list;
      n = if start >= len then 0 else if start + count > len then len - start else count;
    in
    genList (i: elemAt list (i + start)) n;

  # Index of the first element satisfying `pred`, or `default`; `pred` is
  # not called after the first match.
  findFirstIndex = pred: default: list:
    let
      # Negative while searching (-1 - elements seen), the index once found.
      r = foldl' (i: x: if i < 0 then (if pred x then -i - 1 else i - 1) else i) (-1) list;
    in
    if r < 0 then default else r;
in
{
  inherit (builtins)
    head tail length elem elemAt filter map concatLists concatMap genList sort
    any all partition groupBy isList;

  singleton = x: [ x ];
  forEach = xs: f: map f xs;

  # foldr op nul [ a b ] = op a (op b nul); lazy in the accumulator.
  foldr = op: nul: list:
    let
      len = length list;
      go = n: if n == len then nul else op (elemAt list n) (go (n + 1));
    in
    go 0;
  fold = lib.foldr;
  # foldl op nul [ a b ] = op (op nul a) b; lazy in the accumulator.
  foldl = op: nul: list:
    let go = n: if n == -1 then nul else op (go (n - 1)) (elemAt list n);
    in go (length list - 1);
  # Strict left fold; also forces the initial accumulator.
  "foldl'" = op: acc: builtins.seq acc (foldl' op acc);

  imap0 = f: list: genList (n: f n (elemAt list n)) (length list);
  imap1 = f: list: genList (n: f (n + 1) (elemAt list n)) (length list);
  # Keeps the elements for which `ipred index element` holds.
  ifilter0 = ipred: input:
    map (i: elemAt input i) (filter (i: ipred i (elemAt input i)) (genList (i: i) (length input)));

  flatten = x: if builtins.isList x then concatMap lib.flatten x else [ x ];
  remove = e: filter (x: x != e);
  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;
  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];
  toList = x: if builtins.isList x then x else [ x ];
  # range 2 4 = [ 2 3 4 ]; empty when first > last.
  range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);
  replicate = n: elem: genList (_: elem) n;

  inherit findFirstIndex;
  findFirst = pred: default: list:
    let i = findFirstIndex pred null list;
    in if i == null then default else elemAt list i;
  # The only element satisfying `pred`; `default` if none, `multiple` if several.
  findSingle = pred: default: multiple: list:
    let found = filter pred list; n = length found;
    in if n == 0 then default else if n != 1 then multiple else head found;

  reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;
  # Stable sort by a key function.
  sortOn = f: list:
    map (p: elemAt p 1) (builtins.sort (a: b: head a < head b) (map (x: [ (f x) x ]) list));
  # Lexicographic comparison with `cmp` returning -1, 0 or 1.
  compareLists = cmp: a: b:
    if a == [ ] then (if b == [ ] then 0 else -1)
    else if b == [ ] then 1
    else
      let rel = cmp (head a) (head b);
      in if rel == 0 then lib.compareLists cmp (tail a) (tail b) else rel;

  zipListsWith = f: fst: snd:
    genList (n: f (elemAt fst n) (elemAt snd n)) (lib.min (length fst) (length snd));
  zipLists = lib.zipListsWith (fst: snd: { inherit fst snd; });
  # groupBy' op nul pred list: groups by `pred`, each group folded with foldl op nul.
  "groupBy'" = op: nul: pred: lst: builtins.mapAttrs (_: lib.foldl op nul) (builtins.groupBy pred lst);

  inherit sublist;
  take = count: sublist 0 count;
  drop = count: list: sublist count (length list) list;
  takeEnd = n: xs: lib.drop (lib.max 0 (length xs - n)) xs;
  dropEnd = n: xs: lib.take (lib.max 0 (length xs - n)) xs;
  last = list:
    assert lib.assertMsg (list != [ ]) "lists.last: list must not be empty!";
    elemAt list (length list - 1);
  init = list:
    assert lib.assertMsg (list != [ ]) "lists.init: list must not be empty!";
    sublist 0 (length list - 1) list;

  # First occurrence of each element kept, in order (quadratic, as in nixpkgs).
  unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
  allUnique = list: length (lib.unique list) == length list;
  # Deduplicated strings, sorted (linear, via attribute names).
  uniqueStrings = list: builtins.attrNames (builtins.groupBy (x: x) list);
  subtractLists = e: filter (x: !(elem x e));
  intersectLists = e: filter (x: elem x e);
  mutuallyExclusive = a: b: length a == 0 || !(builtins.any (x: elem x a) b);
}
