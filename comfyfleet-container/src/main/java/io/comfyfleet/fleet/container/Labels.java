package io.comfyfleet.fleet.container;

/** The labels on every worker container: how a later run finds what an earlier one left, and how people do. */
final class Labels {
    static final String MANAGED_BY = "io.comfyfleet.managed-by";
    static final String MANAGED_BY_VALUE = "comfyfleet";
    static final String INSTANCE = "io.comfyfleet.instance";
    static final String ENDPOINT = "io.comfyfleet.endpoint";
    static final String WORKER_ID = "io.comfyfleet.worker-id";
    static final String VERSION = "io.comfyfleet.version";
    static final String SLOT = "io.comfyfleet.slot";

    private Labels() {}
}
