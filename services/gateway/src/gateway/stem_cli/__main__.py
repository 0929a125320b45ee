"""`python -m gateway.stem_cli ...`: the same as the installed `stem` script."""

from gateway.stem_cli.main import main

raise SystemExit(main())
