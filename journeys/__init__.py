"""Stages and touchpoints of the customer journey (arrives with the journey-map issue)."""
