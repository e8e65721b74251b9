"""The ground floor: text made safe to show, and the interrupt flag. Imports nothing of ours."""
