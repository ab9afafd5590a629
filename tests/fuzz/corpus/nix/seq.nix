let x = { a = 1; b = [ 2 3 ]; }; in builtins.seq x (builtins.deepSeq x x.b)
