"""Install a model folder made by `napari-inverse train --recipe` as the shipped model of its name.

Copies the weights and card into the package (`src/napari_inverse/zoo/shipped/`) and keeps the
published training log whole: `docs/training/NAME.json` gets this run's records appended,
labelled with its stage (its place in `card.stages`) and its steps counted on from the runs
before it, so the log of a model trained over several sessions reads as one curve. Run
`scripts/record_card_metrics.py` afterwards for the card's benchmark figures.

    python3 scripts/ship_model.py /tmp/run/mrbcr-cont3
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from napari_inverse.training.records import LOG_NAME
from napari_inverse.zoo import load_model

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "src" / "napari_inverse" / "zoo" / "shipped"
LOGS = ROOT / "docs" / "training"


def staged_log(published: list[dict], run: list[dict], stages: list[dict]) -> list[dict]:
    """``published`` (stage-labelled, or one unlabelled first run), ``run`` as the last stage."""
    stage = max(len(stages), 1)
    if stage == 1:
        return list(run)
    labelled = [r if "stage" in r else dict(r, stage=1) for r in published]
    if any(r["stage"] >= stage for r in labelled):
        raise SystemExit(f"the published log already has stage {stage}; nothing appended")
    offset = sum(s["steps"] for s in stages[:-1])
    return labelled + [dict(r, stage=stage, step=r["step"] + offset) for r in run]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the --out folder of a recipe run")
    folder = parser.parse_args().folder
    card = load_model(folder).card  # refuses a folder without one checked weights file + card
    weights = folder / f"{card.name}.safetensors"
    log_path = LOGS / f"{card.name}.json"
    published = json.loads(log_path.read_text(encoding="utf-8")) if log_path.is_file() else []
    run = json.loads((folder / LOG_NAME).read_text(encoding="utf-8"))
    log = staged_log(published, run, card.stages)
    for source in (weights, weights.with_suffix(".json")):
        target = SHIPPED / source.name
        shutil.copyfile(source, target)
        target.chmod(0o644)
    log_path.write_text(json.dumps(log, indent=1) + "\n", encoding="utf-8")
    print(f"{card.name}: shipped ({len(card.stages) or 1} training runs); "
          f"{len(run)} log records appended to {log_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
