"""The ceiling: a bare Django view inserting one row per request, installed only when AMENDS_BENCH=1."""
