class ProxyConnector:
    pass
