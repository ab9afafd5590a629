builtins.genList (i: { name = "opt${toString i}"; value = i * 2; }) 10
