"""The web pages and files that are not a protocol's API: the Origam client build and file answers."""
