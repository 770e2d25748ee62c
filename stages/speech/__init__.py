"""From script to sound: chunking, synthesis, assembly, subtitles, tags, metrics and the speech providers (the audio stage)."""
