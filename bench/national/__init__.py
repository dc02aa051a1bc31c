"""The national-scale synthetic store of issue 4's benchmark: ``shape`` (pure, seeded rows) and ``load``
(migrate + bulk load on SQLite or PostgreSQL). Entry points: ``bench/gen_national.py``, ``bench/bench_trace.py``."""
