"""Interactive demos: one page per concept over rnncore, its whole state in the URL."""
