let t = true; f = false; in [ (t && !f) (f || t) (f -> t) (!(t -> f)) ]
