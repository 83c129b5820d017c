"""Legacy loaders not yet moved into a source package (owner: the "integrate" work).

Contract: ``curated`` loads ``datasets/ownership`` and ``layers`` runs the cross-source
step (telecom stakes, entity matching, the core models) after every source; both are
called by :func:`infrarisk.sources.load_all`, which finds the sources from the manifests.
The sources' own loaders live in ``infrarisk.sources.<package>.load``.
"""
