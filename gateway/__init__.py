"""Campus gateway: one GraphQL API over the schools and hostels database."""
