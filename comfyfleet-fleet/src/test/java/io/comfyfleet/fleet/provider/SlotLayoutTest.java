package io.comfyfleet.fleet.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.comfyfleet.fleet.FleetConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotLayoutTest {
    @Test
    void gpusTimesSlotsOrTheCpuSlotsEachWithItsPort() {
        SlotLayout gpus = SlotLayout.of(List.of(0, 3), 2, 5, 9200);
        SlotLayout cpu = SlotLayout.of(List.of(), 2, 5, 8188);

        assertThat(gpus.count()).isEqualTo(4);
        assertThat(cpu.count()).isEqualTo(5);
        SlotTable table = gpus.table();
        assertThat(table.size()).isEqualTo(4);
        Slot first = table.acquire().orElseThrow();
        assertThat(gpus.port(first)).isEqualTo(9200 + first.index());
    }

    @Test
    void eachBadValueIsNamed() {
        assertThatThrownBy(() -> SlotLayout.of(List.of(1, 1), 1, 1, 8188)).isInstanceOf(FleetConfigException.class)
                .hasMessageContaining("gpus").hasMessageContaining("lists a GPU twice");
        assertThatThrownBy(() -> SlotLayout.of(List.of(0), 0, 1, 8188)).hasMessageContaining("slotsPerGpu");
        assertThatThrownBy(() -> SlotLayout.of(List.of(), 1, 0, 8188)).hasMessageContaining("cpuSlots");
        assertThatThrownBy(() -> SlotLayout.of(List.of(), 1, 3, 65534))
                .hasMessageContaining("basePort").hasMessageContaining("must leave room for 3 ports");
    }
}
