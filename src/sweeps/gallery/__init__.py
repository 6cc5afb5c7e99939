"""The visual gallery: one module per topic, each ``render(ctx) -> list[Path]`` of PNGs written."""

TOPICS = ("activations", "forward", "gradcheck", "optimizers", "schedules", "init", "landscape",
          "gradient_flow", "curves", "batch_size")
