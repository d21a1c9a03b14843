package io.comfyfleet.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Which roll-out {@code comfyfleet rollout --wait} follows, before and after the autoscaler picked the change up. */
class RolloutCommandTest {
    private static JsonNode rollout(String state, String to, String startedAt) {
        return AdminClient.json().createObjectNode().put("state", state).put("fromVersion", "demo:b")
                .put("toVersion", to).put("startedAt", startedAt);
    }

    @Test
    void anImageIsFollowedByTheRolloutToIt() {
        JsonNode before = rollout("DONE", "demo:a", "2026-01-01T00:00:00Z");
        assertThat(RolloutCommand.startedBy(before, "demo:b", before)).isFalse();
        assertThat(RolloutCommand.startedBy(rollout("ROLLING", "demo:b", "2026-01-01T00:05:00Z"), "demo:b", before))
                .isTrue();
    }

    /**
     * Rolled back from a halted roll-out to the provider's default (null), whose version the CLI cannot know: the
     * halted roll-out still shown until the autoscaler's next pass is not this change's outcome.
     */
    @Test
    void aRollBackToTheDefaultImageWaitsForTheNextRollout() {
        JsonNode halted = rollout("HALTED", "demo:broken", "2026-01-01T00:00:00Z");
        assertThat(RolloutCommand.startedBy(halted, null, halted)).isFalse();
        assertThat(RolloutCommand.startedBy(rollout("ROLLING", "local-0123456789ab", "2026-01-01T00:05:00Z"), null,
                halted)).isTrue();
        assertThat(RolloutCommand.startedBy(rollout("ROLLING", "local-0123456789ab", "2026-01-01T00:05:00Z"), null,
                AdminClient.json().nullNode())).isTrue();
        assertThat(RolloutCommand.startedBy(AdminClient.json().nullNode(), null, halted)).isFalse();
    }
}
