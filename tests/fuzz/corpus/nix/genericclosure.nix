builtins.genericClosure {
  startSet = [ { key = 1; } ];
  operator = item: if item.key < 8 then [ { key = item.key * 2; } { key = item.key + 1; } ] else [ ];
}
