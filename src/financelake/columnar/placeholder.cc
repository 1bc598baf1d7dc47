// Placeholder until the columnar types land.
