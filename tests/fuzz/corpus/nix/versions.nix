[ (builtins.compareVersions "1.2.3" "1.10") (builtins.splitVersion "2.12.1pre") (builtins.parseDrvName "hello-2.12") ]
