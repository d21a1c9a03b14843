package io.comfyfleet.fleet.provider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The free and used slots. A new worker goes to the GPU with the fewest workers on it, so two workers on two
 * GPUs use both before doubling up on one.
 */
public final class SlotTable {
    private final List<Slot> slots = new ArrayList<>();
    private final Set<Integer> used = new HashSet<>();

    /** GPUs × slotsPerGpu slots, or {@code cpuSlots} when no GPU is listed. */
    public SlotTable(List<Integer> gpus, int slotsPerGpu, int cpuSlots) {
        if (gpus.isEmpty()) {
            for (int i = 0; i < cpuSlots; i++) {
                slots.add(new Slot(i, null));
            }
        } else {
            for (int g : gpus) {
                for (int k = 0; k < slotsPerGpu; k++) {
                    slots.add(new Slot(slots.size(), g));
                }
            }
        }
    }

    /** A free slot, now taken; empty when every slot is in use. */
    public synchronized Optional<Slot> acquire() {
        Optional<Slot> pick = slots.stream()
                .filter(s -> !used.contains(s.index()))
                .min(Comparator.comparingLong((Slot s) -> usedOnSameGpu(s)).thenComparingInt(Slot::index));
        pick.ifPresent(s -> used.add(s.index()));
        return pick;
    }

    public synchronized void release(Slot slot) {
        used.remove(slot.index());
    }

    /** How many slots there are in all. */
    public int size() {
        return slots.size();
    }

    private long usedOnSameGpu(Slot s) {
        return slots.stream().filter(o -> used.contains(o.index()) && Objects.equals(o.gpu(), s.gpu()))
                .count();
    }
}
