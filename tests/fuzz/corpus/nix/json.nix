let v = builtins.fromJSON ''{"a": [1, 2.5, "x", null, true], "b": {"c": -3}}''; in builtins.toJSON v
