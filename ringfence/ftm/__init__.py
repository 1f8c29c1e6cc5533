"""FollowTheMoney (FtM) in: entities as Aleph, yente and OpenSanctions export them, read as feeds.

``source.FtmSource`` turns JSON lines of FtM entities into rows of the canonical ``parties``,
``watchlist`` or ``party_links`` format; ``entities`` holds what each FtM schema becomes.
Exports (FtM out) live with the network: ``ringfence.resolve.network.export``.
"""
