"""Realistic demo data: the demo business and the benchmarks' large data sets."""
