let x = 7; in if x > 5 then "big" else if x > 2 then "medium" else "small"
