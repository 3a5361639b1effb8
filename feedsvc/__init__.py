"""feedsvc: newspaper page text to Atom and JSON Feed subscriptions."""
