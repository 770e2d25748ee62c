"""Publishing: the narrations as a static audio guide (stop pages, index, QR labels) that any static host serves."""
