"""The text a model picker shows for a card: training ranges, figures and hardware."""
from __future__ import annotations

from napari_inverse.zoo import ModelCard, find_model
from napari_inverse.zoo.card_summary import card_summary


def test_a_shipped_card_says_what_it_was_trained_for_and_how_well_it_did():
    card = find_model("mrbcr-widefield").card
    text = card_summary(card, na=1.4, wavelength_nm=520)
    lines = text.splitlines()
    assert lines[0] == "mrbcr-widefield: deconvolution of widefield fluorescence"
    nyquist = 520 / (4 * 1.4)
    low, high = card.nyquist_fraction
    assert (f"pixel size: {low:g}–{high:g}× Nyquist (λ / 4 NA), "
            f"{low * nyquist:.0f}–{high * nyquist:.0f} nm at NA 1.4 and 520 nm") in lines
    assert "NA: 0.8–1.49" in lines and "emission λ: 450–650 nm" in lines
    assert "noise: 100–1000 photons" in lines
    assert f"validation: {card.metrics['validation_psnr_db']:.1f} dB PSNR" in text
    actin = card.metrics["benchmark_psnr_db"]["deconvolution/actin (16×256²)"]
    assert f"actin {actin:.1f}" in text
    gpu_stages = [s for s in card.stages if s["hardware"].startswith("NVIDIA H200")]
    gpu_steps = sum(s["steps"] for s in gpu_stages)
    assert f"trained on NVIDIA H200 (CUDA 13.0), torch 2.11.0+cu130: {gpu_steps:,} steps" in text
    assert "shared by" not in text  # a stage's remarks stay in the card


def test_without_a_microscope_the_range_stays_relative_to_nyquist():
    text = card_summary(find_model("care-denoise").card)
    assert "pixel size: 0.9–1.2× Nyquist (λ / 4 NA)" in text.splitlines()


def test_a_users_card_with_one_pixel_size_and_no_stages():
    card = ModelCard(name="mine", family="care", task="denoising", pixel_size_nm=108.0,
                     optics={"na": 1.3, "wavelength_nm": 600}, steps=400, wall_time_s=1800,
                     hardware="CPU x86_64, 2 cores", metrics={"validation_psnr_db": 30.04})
    lines = card_summary(card, na=1.4, wavelength_nm=520).splitlines()
    assert "pixel size: 108 nm" in lines
    assert "NA: 1.3" in lines and "emission λ: 600 nm" in lines
    assert not any(line.startswith(("noise", "benchmark")) for line in lines)
    assert "validation: 30.0 dB PSNR" in lines
    assert lines[-1] == "trained on CPU x86_64, 2 cores: 400 steps, 0.5 h"


def test_a_card_that_states_nothing_still_reads():
    lines = card_summary(ModelCard(name="bare", family="n2v", task="denoising")).splitlines()
    assert lines == ["bare: denoising of widefield fluorescence", "pixel size: not stated"]
