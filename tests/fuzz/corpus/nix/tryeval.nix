[ (builtins.tryEval (throw "boom")) (builtins.tryEval (assert 1 == 2; 3)) (builtins.tryEval 42) ]
