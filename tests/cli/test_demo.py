"""``napari-inverse demo --headless``: writes the images and scores the methods."""
from napari_inverse.cli import main


def test_headless_demo_writes_images_and_rl_beats_the_input(tmp_path, capsys):
    assert main(["demo", "--headless", "--output", str(tmp_path), "--size", "128"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()
            if line.split() and line.split()[0] in ("input", "wiener", "richardson_lucy")}
    assert float(rows["richardson_lucy"][1]) > float(rows["input"][1])
    names = {p.name for p in tmp_path.iterdir()}
    assert {"demo_input.ome.tif", "demo_truth.ome.tif", "demo_richardson_lucy.ome.tif"} <= names


def test_an_output_that_is_a_file_exits_2_with_one_line(tmp_path, error_line):
    taken = tmp_path / "taken"
    taken.write_text("not a folder\n")
    assert main(["demo", "--headless", "--output", str(taken), "--size", "64"]) == 2
    line = error_line()
    assert line.startswith("napari-inverse: error: ") and str(taken) in line
