"""SMS through LINK Mobility's "Common" platform (its SMS REST API), over httpx: the adapter
(``adapter``), what goes over the wire (``wire``) and what its codes mean (``codes``)."""

from channels.linkmobility.adapter import LinkMobilitySmsChannel

__all__ = ["LinkMobilitySmsChannel"]
