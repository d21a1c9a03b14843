package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.TimingModel;
import io.comfyfleet.emulator.files.FileStore;

/** What nodes share across runs: the folders, the timing model, the models "in memory", previews on/off. */
public record NodeServices(FileStore files, TimingModel timing, ModelResidency models, boolean previews) {}
