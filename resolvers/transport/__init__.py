"""Transport workflows: enrolling students on routes with an atomically kept seat count."""
