"""The core of the domain: workspaces, people, teams, errors, time words, config import."""
