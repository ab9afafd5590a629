/* block
   comment */ { a = 1; # line comment
  b = /* inline */ 2; }
