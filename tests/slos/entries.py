"""SLO entries of the config file, as the tests write them."""


def pushed(name: str, service: str, objective: float = 99, window: str = "30d") -> str:
    """A `slos:` entry measured by pushed counts."""
    return f"""
  - name: {name}
    service: {service}
    objective: {objective:g}
    window: {window}
    indicator: pushed"""
