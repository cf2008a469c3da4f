"""Access control and the audit trail: local user accounts (:mod:`access.users`) and the
hash-chained audit log (:mod:`access.audit`), both kept in private files in the state folder.

Why files and not Neo4j nodes: anyone who may run read-only Cypher (analysts) can read every
node (``MATCH (n) RETURN n``), so password hashes and the audit trail would be readable by
them, and ``db wipe`` (which deletes every node) would erase the trail of the wipe itself.
Files in ``ORGTRACE_STATE_DIR`` (0700 folder, 0600 files) are out of reach of Cypher and
survive a wipe. The price: two workbench servers sharing one remote Neo4j each keep their
own accounts and trail (run one workbench per database).
"""
