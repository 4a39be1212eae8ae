"""What every layer uses: named registries, markdown tables, progress bars, matplotlib's loading."""
