"""Import registry files (one row per person, household fields repeated) and division-code tables.

``cleaning``, ``reading`` and ``registry_file`` are free of Django (they can be fuzzed); ``load``, ``regions`` and
``report`` write to the database or to files. The management commands ``jingzhun import`` and
``jingzhun regions import`` are thin wrappers over ``run``.
"""
