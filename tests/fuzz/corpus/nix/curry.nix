let add = a: b: a + b; inc = add 1; compose = f: g: x: f (g x); in (compose inc inc) 40
