package io.comfyfleet.fleet.provider;

import io.comfyfleet.fleet.FleetConfigException;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Where a provider on one machine runs its workers: {@code gpus × slotsPerGpu} slots, or {@code cpuSlots} when no
 * GPU is listed, slot n's ComfyUI on port {@code basePort + n}. The local and the container provider share it.
 *
 * @param gpus        host GPU indexes; empty means CPU slots
 * @param slotsPerGpu workers per GPU
 * @param cpuSlots    workers when no GPU is listed
 * @param basePort    slot 0's ComfyUI port
 */
public record SlotLayout(List<Integer> gpus, int slotsPerGpu, int cpuSlots, int basePort) {
    /**
     * A checked layout.
     *
     * @throws FleetConfigException naming the first key that is not usable (gpus, slotsPerGpu, cpuSlots, basePort)
     */
    public static SlotLayout of(List<Integer> gpus, int slotsPerGpu, int cpuSlots, int basePort) {
        if (gpus == null || gpus.stream().anyMatch(g -> g == null || g < 0)) {
            throw new FleetConfigException("gpus", "must list GPU indexes 0 or more, got " + gpus);
        }
        if (new LinkedHashSet<>(gpus).size() != gpus.size()) {
            throw new FleetConfigException("gpus", "lists a GPU twice: " + gpus
                    + "; use slotsPerGpu to run several workers on one GPU");
        }
        if (slotsPerGpu < 1) {
            throw new FleetConfigException("slotsPerGpu", "must be 1 or more, got " + slotsPerGpu);
        }
        if (cpuSlots < 1) {
            throw new FleetConfigException("cpuSlots", "must be 1 or more, got " + cpuSlots);
        }
        SlotLayout layout = new SlotLayout(List.copyOf(gpus), slotsPerGpu, cpuSlots, basePort);
        if (basePort < 1 || basePort + layout.count() - 1 > 65535) {
            throw new FleetConfigException("basePort", "must leave room for " + layout.count()
                    + " ports between 1 and 65535, got " + basePort);
        }
        return layout;
    }

    /** How many workers can run at once. */
    public int count() {
        return gpus.isEmpty() ? cpuSlots : gpus.size() * slotsPerGpu;
    }

    /** A table of these slots, all free. */
    public SlotTable table() {
        return new SlotTable(gpus, slotsPerGpu, cpuSlots);
    }

    /** The ComfyUI port of a slot. */
    public int port(Slot slot) {
        return basePort + slot.index();
    }
}
