"""Pure text work: the article format, cleaning, summaries and tags. No I/O here."""
