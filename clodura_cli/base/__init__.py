"""The ground floor: text made safe to show, the interrupt flag, fuzzy matching of names and
the user's folders without platformdirs. Imports nothing of ours."""
