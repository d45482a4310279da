"""One router per area: auth, processes (roster, tokens, devices), mesa, users."""
