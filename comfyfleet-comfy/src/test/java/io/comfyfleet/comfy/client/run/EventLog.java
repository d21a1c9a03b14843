package io.comfyfleet.comfy.client.run;

import io.comfyfleet.comfy.client.events.ComfyEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/** A run listener that keeps what it saw and can react to one event (e.g. cancel the run). */
final class EventLog implements RunListener {
    final List<ComfyEvent> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> connectionNotes = Collections.synchronizedList(new ArrayList<>());
    private volatile Consumer<ComfyEvent> reaction = e -> { };

    EventLog reactingTo(Consumer<ComfyEvent> reaction) {
        this.reaction = reaction;
        return this;
    }

    @Override
    public void onEvent(ComfyEvent event) {
        events.add(event);
        reaction.accept(event);
    }

    @Override
    public void onConnectionLost(String reason) {
        connectionNotes.add("lost");
    }

    @Override
    public void onReconnected(int attempt) {
        connectionNotes.add("reconnected " + attempt);
    }

    List<String> types() {
        synchronized (events) {
            return events.stream().map(ComfyEvent::type).toList();
        }
    }

    long count(String type) {
        return types().stream().filter(type::equals).count();
    }
}
