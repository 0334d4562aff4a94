"""The audio stages: source -> frontend -> classifier -> detector, composed by the pipeline."""
