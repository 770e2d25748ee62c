"""The docent narration: script providers and Korean text helpers (the script stage)."""
