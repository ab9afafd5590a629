let
  a = 1;
  b = a + 1;
  c = { inherit a b; d = a * b; };
in c.d + c.a
