"""Korean as it is read aloud: the reading normaliser, shared by the speech (what the voice says) and the narration
(its fact guard compares claims in that one spoken form)."""
