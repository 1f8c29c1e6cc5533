"""The investigator's side of the service: entity search, what links to an entity (profile and
timeline), and watched entities whose new links raise alerts.

``search`` finds entities by name (the screening index: typos and transliterations), identifier,
country and schema; ``linked`` gathers an entity's mentions, shipments, seizures, listings,
sellers, actions and cases as the caller may see them (every value through the policy gate);
``timeline`` puts them in date order; ``tables``/``watch_store`` keep watches and their alerts
(migration ``0011_watches``, every write audited); ``check`` compares what links to each watched
entity now with what its organisation saw before and records the new links as alerts.
"""
