import pytest

from napari_inverse import InvalidInput
from napari_inverse.zoo.focus_inference import input_planes


def test_a_network_reads_its_channels_but_the_depth_of_field_as_slices():
    assert input_planes({"in_channels": 8}) == 7


def test_a_network_made_before_the_depth_of_field_channel_is_refused():
    with pytest.raises(InvalidInput, match="Fine-tune a new one from focus-widefield"):
        input_planes({"in_channels": 3})
