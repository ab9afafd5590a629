let s = { a.b.c = 1; a.b.d = 2; "quoted key" = 3; ${"dyn" + "amic"} = 4; };
in [ s.a.b.c (s.a.b.x or 5) (s ? a.b.d) (s ? nope) s."quoted key" s.dynamic ]
