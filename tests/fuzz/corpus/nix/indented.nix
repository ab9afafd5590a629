let user = "root"; in ''
  [Service]
  User=${user}
  ExecStart=/usr/bin/foo --flag ''${NOT_INTERPOLATED}
    indented '''quotes''' and ''\n escape
''
