"""The OPL's web app: server-rendered Spanish pages over the receiver's database (accounts,
processes, rosters, tokens, devices, Mesa de Control). Routers per area under `routes/`."""
