"""How well it works: retrieval metrics on labelled sets, related-list reports, benchmark docs."""
