"""Judging: captured messages x the model -> verdicts, results and coverage (no pytest, no CLI)."""
