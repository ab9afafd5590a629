let n = "world"; in "hello ${n}! \"quoted\" \n tab\t dollar \${not} ${toString 42}"
