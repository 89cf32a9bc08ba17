"""Standups: answers, absences, summaries."""
