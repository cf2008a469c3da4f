"""Hub figures, linked groups, re-formed organizations and possible same-person matches
(issue 11): networkx analytics that explain every finding.

``projection`` reads Neo4j into networkx graphs (the only module that reads), ``hubs``,
``groups``, ``reformed`` and ``matches`` are pure functions of graphs, ``writeback`` writes
the results back (the only module that writes), ``api`` glues them for the command line and
the pages. Weights and thresholds: ``analytics/settings.yaml``.
"""
