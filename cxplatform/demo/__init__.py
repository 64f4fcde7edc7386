"""Realistic demo data: the demo business, and the benchmarks' large data sets.

`seed.seed_demo` is the entry point; `rows` writes the bulk rows, `comments` and `notes`
write what customers and staff say, `people` and `clock` say who and when.
"""
