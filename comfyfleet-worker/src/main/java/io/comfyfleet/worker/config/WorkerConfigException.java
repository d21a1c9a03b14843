package io.comfyfleet.worker.config;

import io.comfyfleet.worker.WorkerException;

/** A worker setting is missing or malformed; the message names the environment variable or flag to change. */
public final class WorkerConfigException extends WorkerException {
    private final String setting;

    public WorkerConfigException(String setting, String problem) {
        super(setting + ": " + problem);
        this.setting = setting;
    }

    /** The environment variable or command-line flag at fault, e.g. {@code RUNPOD_WEBHOOK_GET_JOB}. */
    public String setting() {
        return setting;
    }
}
