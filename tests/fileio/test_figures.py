"""One save_figure for the whole project: graphs and training figures follow the same rules."""

from __future__ import annotations

import os
import struct

import pytest

import fileio
import graphs
import training.plots
from graphs import Graph, draw_graph
from training import History, plot_history

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def small_graph() -> Graph:
    g = Graph()
    x, y = g.input("x", 2.0), g.input("y", 3.0)
    (x * y).named("f")
    g.forward()
    g.backward()
    return g


def small_history() -> History:
    h = History()
    for loss in (2.0, 1.0, 0.5):
        h.record_loss(loss)
    h.record_evaluation(1.0, 3, 0.5, 0.4, 0.1)
    return h


def test_graphs_and_training_export_the_one_implementation():
    assert graphs.save_figure is fileio.save_figure
    assert training.plots.save_figure is fileio.save_figure


@pytest.mark.parametrize("make", [lambda: draw_graph(small_graph()),
                                  lambda: training.plots.history_figure(small_history())])
def test_same_rules_for_every_figure(tmp_path, make):
    fig = make()
    assert fileio.save_figure(fig, tmp_path / "a").name == "a.png"           # no suffix: PNG
    assert (tmp_path / "a.png").read_bytes()[:8] == PNG_MAGIC
    assert "<svg" in fileio.save_figure(fig, tmp_path / "a.SVG").read_text()[:500]
    assert fileio.save_figure(fig, tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ValueError, match=r"expected a \.png, \.svg or \.pdf path.*a\.jpeg"):
        fileio.save_figure(fig, tmp_path / "a.jpeg")
    for only_a_suffix in (".png", ".PDF"):
        with pytest.raises(ValueError, match=r"is a suffix without a name"):
            fileio.save_figure(fig, tmp_path / only_a_suffix)
    assert fileio.save_figure(fig, tmp_path / ".hidden").name == ".hidden.png"  # a dot-file name of its own
    assert sorted(os.listdir(tmp_path)) == [".hidden.png", "a.SVG", "a.pdf", "a.png"]


def test_a_failed_write_keeps_the_old_file_for_both(tmp_path, monkeypatch):
    target = tmp_path / "curves.png"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(OSError, match="disk full"):
        plot_history(small_history(), target)
    with pytest.raises(OSError, match="disk full"):
        graphs.save_figure(draw_graph(small_graph()), target)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["curves.png"]


def test_each_figure_keeps_its_own_resolution(tmp_path):
    fig = draw_graph(small_graph())
    width_in, height_in = fig.get_size_inches()
    w, h = png_size(fileio.save_figure(fig, tmp_path / "g.png"))
    assert (w, h) == (round(width_in * graphs.draw.GRAPH_DPI), round(height_in * graphs.draw.GRAPH_DPI))
    w, h = png_size(fileio.save_figure(fig, tmp_path / "g72.png", dpi=72))
    assert (w, h) == (round(width_in * 72), round(height_in * 72))


def test_importing_fileio_does_not_load_matplotlib():
    import subprocess
    import sys

    code = "import sys, fileio; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert result.stdout.strip() == "False"
