let x = x + 1; in rec { a = b; b = a; }.a + x
