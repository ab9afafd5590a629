let counter = { n = 5; __functor = self: x: self.n + x; }; in [ (counter 1) (builtins.isFunction counter) ]
