[ 1.5 .5 1e3 2.5e-2 (1 / 3.0) (builtins.floor 2.7) (builtins.ceil 2.1) (0.1 + 0.2) ]
