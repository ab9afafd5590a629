let f = { a, b ? a + 1, ... }@args: a + b + builtins.length (builtins.attrNames args);
in [ (f { a = 1; }) (f { a = 1; b = 10; c = 3; }) ]
