"""What every gallery topic gets: where to write, how big to go, which run to look at."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sweeps.utils.plotting import plt


@dataclass
class GalleryContext:
    out_dir: Path
    runs_dir: Path
    tracking_uri: str
    small: bool = False  # tests: fewer steps, smaller grids
    run_id: str | None = None

    def save(self, fig, name: str) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / f"{name}.png"
        fig.savefig(path, bbox_inches="tight")
        plt.close(fig)
        return path
