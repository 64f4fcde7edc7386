"""The one text analyser used by every app that holds customer text."""
