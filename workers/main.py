"""The module ``dispatch worker`` hands to Dramatiq's CLI: one broker from the settings,
the actors on it, and the sweeper in every worker process."""

from __future__ import annotations

import dramatiq

from dispatch import logging as app_logging
from dispatch.settings import get_settings
from workers.actors import Actors
from workers.broker import build_broker, enable_metrics
from workers.lifecycle import SweeperMiddleware, coalesce_duplicate_sigterm

settings = get_settings()
app_logging.configure(level=settings.log_level, json=settings.log_json)
broker = build_broker(settings.broker_url)
if settings.worker_metrics_port:
    enable_metrics(broker, host=settings.worker_metrics_host, port=settings.worker_metrics_port)
dramatiq.set_broker(broker)
actors = Actors(broker, settings)
broker.add_middleware(SweeperMiddleware(actors))
coalesce_duplicate_sigterm()
