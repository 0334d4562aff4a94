"""The HTTP/WebSocket API: the wire protocol, the live state it serves, the server and its advert."""
