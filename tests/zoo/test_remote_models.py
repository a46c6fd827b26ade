"""Remote models: fetched from 127.0.0.1 into the cache, checked, refused when damaged."""
from __future__ import annotations

import functools
import json
import socket
import threading
from dataclasses import asdict
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from napari_inverse.zoo import ModelFileError, find_model, list_models, load_model, save_weights
from napari_inverse.zoo.remote import REMOTE_INDEX, remote_models


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """(folder served, base URL) of an HTTP server on 127.0.0.1 that lives for one test."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # a proxy set on the machine must not intercept
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def hosted(server, small_care, isolated_zoo):
    """The small CARE model served over HTTP and listed in the remote index."""
    folder, base = server
    net, card = small_care
    card.sha256 = save_weights(net, folder / "tiny-care.safetensors")
    write_index(isolated_zoo, card, f"{base}/tiny-care.safetensors")
    return net, card, folder


def write_index(index, card, url) -> None:
    index.write_text(json.dumps([{"url": url, "card": asdict(card)}]), encoding="utf-8")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_packaged_index_is_valid(monkeypatch):
    monkeypatch.delenv("NAPARI_INVERSE_REMOTE_INDEX")
    listed = json.loads(REMOTE_INDEX.read_text(encoding="utf-8"))
    assert isinstance(listed, list)
    models = remote_models()  # every entry passes the checks the tests below exercise
    assert len(models) == len(listed)
    assert all(m.url.startswith("https://") for m in models)


def test_remote_model_is_listed_before_download(hosted, isolated_zoo):
    net, card, _ = hosted
    [entry] = [e for e in list_models() if e.source != "shipped"]
    assert (entry.name, entry.source) == (card.name, "remote")
    assert entry.weights == isolated_zoo.parent / "cache" / "models" / "tiny-care.safetensors"
    assert not entry.weights.exists()


def test_remote_model_downloads_once_and_matches(hosted, server, image):
    net, card, folder = hosted
    loaded = load_model(card.name)
    served = net.state_dict()
    assert all(torch.equal(t, served[k]) for k, t in loaded.net.state_dict().items())
    with torch.no_grad():
        # the loaded network runs channels-last, so oneDNN may pick other kernels (it does on
        # AVX-512): the same weights give the same numbers to float rounding, not bit for bit
        torch.testing.assert_close(loaded.predict(image)[0], net.eval()(image))
    assert find_model(card.name).weights.is_file()
    (folder / "tiny-care.safetensors").unlink()  # a second load must come from the cache
    assert load_model(card.name).card == card


def test_truncated_download_is_refused_and_deleted(hosted):
    _, card, folder = hosted
    served = folder / "tiny-care.safetensors"
    served.write_bytes(served.read_bytes()[:-100])
    with pytest.raises(ModelFileError, match="truncated or corrupted on the way") as error:
        load_model(card.name)
    assert "tiny-care" in str(error.value)
    assert list(find_model(card.name).weights.parent.iterdir()) == []  # no partial file left


def test_unreachable_server_names_the_url(small_care, isolated_zoo):
    _, card = small_care
    card.sha256 = "0" * 64
    url = f"http://127.0.0.1:{free_port()}/tiny-care.safetensors"  # nothing listens there
    write_index(isolated_zoo, card, url)
    with pytest.raises(ModelFileError, match="network or the server is unreachable") as error:
        load_model(card.name)
    assert url in str(error.value)


def test_non_http_url_is_refused(small_care, isolated_zoo):
    _, card = small_care
    card.sha256 = "0" * 64
    write_index(isolated_zoo, card, "ftp://127.0.0.1/tiny-care.safetensors")
    with pytest.raises(ModelFileError, match="only http and https"):
        load_model(card.name)


def test_missing_file_on_the_server_names_the_status(hosted):
    _, card, folder = hosted
    (folder / "tiny-care.safetensors").unlink()
    with pytest.raises(ModelFileError, match="the server answered 404"):
        load_model(card.name)


def test_index_entry_without_sha256_is_a_clear_error(small_care, isolated_zoo):
    _, card = small_care
    write_index(isolated_zoo, card, "http://127.0.0.1/tiny-care.safetensors")
    with pytest.raises(ValueError, match="entry 1 of the remote model index .*has no sha256"):
        remote_models()


def test_sha256_must_be_lower_case_hex(small_care, isolated_zoo):
    _, card = small_care
    card.sha256 = "AB" * 32  # pooch would accept it; the card check after download would not
    write_index(isolated_zoo, card, "http://127.0.0.1/tiny-care.safetensors")
    with pytest.raises(ValueError, match="64 lower-case hexadecimal digits"):
        remote_models()


def test_broken_index_hides_no_shipped_model(isolated_zoo):
    isolated_zoo.write_text("[{\"url\": ", encoding="utf-8")  # a half-written file
    with pytest.warns(UserWarning, match="remote models are not listed: cannot read"):
        names = {e.name for e in list_models()}
    assert {"mrbcr-widefield", "care-denoise"} <= names
    assert find_model("care-denoise").source == "shipped"
    with pytest.raises(ValueError, match="no model called 'lab-model'.*could not be listed"):
        find_model("lab-model")
