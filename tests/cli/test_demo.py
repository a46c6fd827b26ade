"""``napari-inverse demo --headless``: writes the images and scores the methods."""
from napari_inverse.cli import main


def test_headless_demo_writes_images_and_rl_beats_the_input(tmp_path, capsys):
    assert main(["demo", "--headless", "--output", str(tmp_path), "--size", "128"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()
            if line.split() and line.split()[0] in ("input", "wiener", "richardson_lucy")}
    assert float(rows["richardson_lucy"][1]) > float(rows["input"][1])
    names = {p.name for p in tmp_path.iterdir()}
    assert {"demo_input.ome.tif", "demo_truth.ome.tif", "demo_richardson_lucy.ome.tif"} <= names

