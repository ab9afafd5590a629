let check = x: assert builtins.isInt x; x + 1; in check 1
