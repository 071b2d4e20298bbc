"""The review queue: a store of extracted reports, the decisions a person must make, and their fixes.

``store`` persists documents, extraction versions, review items, the correction audit log (hash-
chained by ``chain``), document leases, reviewers and their sessions; ``queue`` holds the review
operations (enqueue, correct, accept or skip a whole group, mark a source error); ``groups`` turns a
document's items into decisions, one per cause; ``view`` is a document's review state as data for the
page; ``web`` (with ``signin``) is the reviewer's UI and its JSON API; ``source_view`` and ``pages``
show the source; ``export`` writes corrected reports and gold files; ``stats`` measures the effort;
``command`` is the ``extractor review`` CLI. The store is always passed in, never looked up.
"""
