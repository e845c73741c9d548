"""The web front: TRAQS sites, the NASDAQ MFA service and the reference-data API on one HTTPS
listener (by SNI and Host, behaving as the timeline says for the simulated date), and the
control API. Start them with :class:`simulator.web.component.WebComponent` and
:class:`simulator.web.component.ControlComponent`; docs/web.md and docs/control-api.md describe
what they serve."""
