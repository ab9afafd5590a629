let xs = [ 3 1 2 ] ++ [ 5 4 ]; in {
  sorted = builtins.sort (a: b: a < b) xs;
  mapped = map (x: x * x) xs;
  filtered = builtins.filter (x: x > 2) xs;
  sum = builtins.foldl' (a: b: a + b) 0 xs;
  first = builtins.head xs;
  rest = builtins.tail xs;
  third = builtins.elemAt xs 2;
}
