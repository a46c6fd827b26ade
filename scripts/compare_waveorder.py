"""The project's phase retrieval beside waveorder's ``isotropic_thin_3d`` on the same stacks.

Usage (project environment): python scripts/compare_waveorder.py
    [--waveorder-python /work/peers/waveorder-venv/bin/python] [--figure docs/images/...png]

Why: waveorder (the library recOrder users run) inverts the same partially coherent weak-object
model. Its environment stays separate — the project never imports it: this script simulates the
phase benchmark's stacks (`benchmarks.phase_sets`: held-out cells and skimage's real cell, weak
and strong absorption, open condenser NA 0.4; 3 and 5 planes), saves them, runs
``scripts/waveorder_worker.py`` with the other interpreter, and scores both by RMSE (rad) and
correlation. Each side's free settings (our method and α; waveorder's regularisation strength
and the sign of its z axis) are chosen on the validation seeds. Times are single-threaded on
both sides (``torch.set_num_threads(1)``) so other jobs on the machine disturb them alike; the
2048² row times one 3-plane stack end to end (waveorder: transfer functions + inverse).
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from napari_inverse.benchmarks import phase_sets as sets
from napari_inverse.benchmarks.phase_quality import ALPHAS, METHODS, TITLES, retrieve, speed_stack
from napari_inverse.metrics import phase_rmse

CONDITIONS = [(absorption, plane_set) for absorption in sets.ABSORPTION
              for plane_set in ("3 planes", "5 planes")]


def planes_of(images, plane_set):
    chosen = sets.THREE_PLANES if plane_set == "3 planes" else slice(None)
    return images.planes[chosen], np.asarray(sets.DZ_NM[chosen])


def scores(truth, estimate):
    return phase_rmse(truth, estimate), float(np.corrcoef(truth.ravel(), estimate.ravel())[0, 1])


def ours_best(tuning, testing, plane_set):
    """Our method and α with the lowest validation RMSE; its test estimates and seconds."""
    best = min(((m, a) for m in METHODS for a in ALPHAS[m]), key=lambda ma: np.mean(
        [scores(i.specimen.phase, retrieve(i, *ma[:1], plane_set, ma[1], "cpu"))[0]
         for i in tuning]))
    estimates, seconds = [], []
    for images in testing:
        started = time.perf_counter()
        estimates.append(retrieve(images, best[0], plane_set, best[1], "cpu"))
        seconds.append(time.perf_counter() - started)
    return best, estimates, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waveorder-python", default="/work/peers/waveorder-venv/bin/python")
    parser.add_argument("--figure", default="docs/images/phase_vs_waveorder.png")
    args = parser.parse_args()
    torch.set_num_threads(1)
    validation = sets.specimens(sets.VALIDATION_SEEDS, real=False)
    test = sets.specimens(sets.TEST_SEEDS)
    images = {(absorption, split, k): sets.images(s, absorption, sets.OPEN_CONDENSER_NA,
                                                  rgb=False)
              for absorption in sets.ABSORPTION
              for split, group in (("val", validation), ("test", test))
              for k, s in enumerate(group)}
    with tempfile.TemporaryDirectory(prefix="waveorder-") as folder:
        stacks, results = Path(folder) / "stacks.npz", Path(folder) / "results.npz"
        saved = {"pixel_um": sets.PIXEL_SIZE_NM / 1000, "wavelength_um": sets.WAVELENGTH_NM / 1000,
                 "n_medium": sets.N_MEDIUM, "na": sets.NA}
        for (absorption, split, k), found in images.items():
            for plane_set in ("3 planes", "5 planes"):
                name = f"{absorption}/{split}/{k}/{plane_set}"
                saved[f"planes:{name}"], saved[f"dz_nm:{name}"] = planes_of(found, plane_set)
                saved[f"condenser_na:{name}"] = sets.OPEN_CONDENSER_NA
        big = speed_stack()
        saved.update({"planes:speed": big, "dz_nm:speed": np.array([-1000.0, 0.0, 1000.0]),
                      "condenser_na:speed": sets.OPEN_CONDENSER_NA})
        np.savez(stacks, **saved)
        subprocess.run([args.waveorder_python, str(Path(__file__).with_name(
            "waveorder_worker.py")), str(stacks), str(results)], check=True)
        theirs = dict(np.load(results))
    rows, shown = [], None
    for absorption, plane_set in CONDITIONS:
        tuning = [v for (a, s, _), v in images.items() if a == absorption and s == "val"]
        testing = [v for (a, s, _), v in images.items() if a == absorption and s == "test"]
        (method, alpha), estimates, seconds = ours_best(tuning, testing, plane_set)

        def theirs_rmse(setting):
            return np.mean([scores(v.specimen.phase, theirs[
                f"phase:{absorption}/val/{k}/{plane_set}|{setting}"])[0]
                for k, v in enumerate(tuning)])
        settings = {key.split("|", 1)[1] for key in theirs if key.startswith("phase:")
                    and "|" in key and not key.startswith("phase:speed")}
        setting = min(settings, key=theirs_rmse)
        keys = [f"{absorption}/test/{k}/{plane_set}|{setting}" for k in range(len(testing))]
        wave = [theirs[f"phase:{key}"] for key in keys]
        wave_seconds = [float(theirs[f"seconds:{key}"].sum()) for key in keys]
        ours_scores = np.array([scores(t.specimen.phase, e) for t, e in zip(testing, estimates)])
        wave_scores = np.array([scores(t.specimen.phase, w) for t, w in zip(testing, wave)])
        invert, strength = setting.split("|")
        rows.append((absorption, plane_set, f"{TITLES[method]} (α {alpha:.2g})",
                     ours_scores.mean(0), np.mean(seconds),
                     f"strength {float(strength):.2g}{', z inverted' if invert == '1' else ''}",
                     wave_scores.mean(0), np.mean(wave_seconds)))
        if absorption == "strong" and plane_set == "3 planes":
            shown = (testing[-1], estimates[-1], wave[-1])
    speed = speed_rows(theirs, big)
    print_table(rows, speed)
    figure(shown, rows, args.figure)


def speed_rows(theirs, big):
    from napari_inverse import Optics, retrieve_phase

    optics = Optics(na=sets.NA, wavelength_nm=sets.WAVELENGTH_NM,
                    pixel_size_nm=sets.PIXEL_SIZE_NM, refractive_index=sets.N_MEDIUM,
                    z_step_nm=1000.0)
    wave = float(next(v for k, v in theirs.items() if k.startswith("seconds:speed")).sum())
    out = []
    for method in METHODS:
        condenser = sets.OPEN_CONDENSER_NA if method == "wotf" else None
        started = time.perf_counter()
        retrieve_phase(big, method, optics=optics, condenser_na=condenser, device="cpu")
        out.append((TITLES[method], time.perf_counter() - started, wave))
    return out


def print_table(rows, speed):
    print("| absorption | planes | ours: method | RMSE / r | s | waveorder | RMSE / r | s |")
    print("|---|---|---|---|---|---|---|---|")
    for a, p, ours, (r1, c1), s1, theirs, (r2, c2), s2 in rows:
        print(f"| {a} | {p} | {ours} | {r1:.3f} / {c1:.3f} | {s1:.2f} | {theirs} | "
              f"{r2:.3f} / {c2:.3f} | {s2:.2f} |")
    print()
    print("| 2048², 3 planes | ours (s) | waveorder (s) | waveorder ÷ ours |")
    print("|---|---|---|---|")
    for title, ours, theirs in speed:
        print(f"| {title} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.1f}× |")


def figure(shown, rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images, ours, wave = shown
    truth = images.specimen.phase - images.specimen.phase.mean()
    panels = [("truth", truth), ("napari-inverse", ours), ("waveorder", wave - wave.mean())]
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.4))
    limit = np.abs(truth).max()
    for axis, (title, image) in zip(axes, panels):
        shown_image = axis.imshow(image, cmap="PiYG", vmin=-limit, vmax=limit)
        axis.set_title(f"{title} ({images.specimen.name})" if title == "truth" else title)
        axis.axis("off")
    fig.colorbar(shown_image, ax=axes[:3], label="phase (rad)", shrink=0.8)
    labels = [f"{a[0]}/{p[0]}" for a, p, *_ in rows]
    x = np.arange(len(rows))
    axes[3].bar(x - 0.2, [r[3][0] for r in rows], 0.4, label="napari-inverse")
    axes[3].bar(x + 0.2, [r[6][0] for r in rows], 0.4, label="waveorder")
    axes[3].set_xticks(x, labels)
    axes[3].set_ylabel("RMSE (rad)")
    axes[3].set_title("absorption (w/s) / planes")
    axes[3].legend(fontsize=8)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"figure written to {path}")


if __name__ == "__main__":
    main()
