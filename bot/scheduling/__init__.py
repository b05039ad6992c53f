"""The scheduling engine: the planner writes outbox rows, the dispatcher sends them."""
