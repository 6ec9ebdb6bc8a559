"""Everything the product holds about one customer, found, exported, erased and expired.

`locations` says where the data lives (store, tracker store, training files), `footprint`
finds a customer and every conversation linked to them; export, erasure and retention
build on those two so that every privacy operation walks the same map.
"""
