"""One module per command (``*_cmd``) and the flows that sequence what a command shows
(``*_flow``): thin layers over the use cases, loaded only for the command that runs."""
