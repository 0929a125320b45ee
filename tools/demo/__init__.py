"""Demo data for the local run and the tests, outside the product packages:
`python -m tools.demo seed` registers the synthetic [DEMO] academies (academies.py) in the
registry's database, through the registry's own service layer."""
