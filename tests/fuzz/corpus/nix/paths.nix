[ ./foo/bar ../baz /abs/path (./. + "/x.nix") (baseNameOf /a/b/c.nix) (dirOf /a/b/c) ]
