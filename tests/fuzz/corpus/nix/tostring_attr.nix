let pkg = { name = "hello"; __toString = self: "pkg:${self.name}"; }; in "${pkg} and ${toString pkg}"
