package io.comfyfleet.fleet.provider;

/** Every slot of the provider is taken: no worker can start until one stops. */
public final class NoCapacityException extends ProviderException {
    private final int slots;

    public NoCapacityException(String endpoint, String workerId, String provider, int slots) {
        super(endpoint, workerId, "provider '" + provider + "' has no free slot for worker '" + workerId
                + "' of endpoint '" + endpoint + "': all " + slots + " slots are in use; add GPUs, raise slotsPerGpu,"
                + " or lower the endpoints' maxWorkers", null);
        this.slots = slots;
    }

    public int slots() {
        return slots;
    }
}
