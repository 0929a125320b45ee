"""What every service's HTTP app has alike: standard routes, readiness checks, request guards."""
