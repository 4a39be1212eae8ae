"""Lights as services: each light a Ray actor under a supervisor per cluster, talking over a message bus
(Ray, Redis Streams or Kafka) with Regularflow's topics; ``flowlights deploy`` runs it."""
