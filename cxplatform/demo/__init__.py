"""Realistic demo data: the demo business, and the benchmarks' large data sets.

`seed.seed_demo` is the entry point. `reset` removes an earlier run, `rows` writes the
bulk rows (with `parallel` on PostgreSQL), `answers` fills in each survey's questions,
`comments`, `notes` and `phrases` write what customers and staff say, and `people` and
`clock` say who and when.
"""
