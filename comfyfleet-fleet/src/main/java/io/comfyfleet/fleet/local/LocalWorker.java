package io.comfyfleet.fleet.local;

import io.comfyfleet.common.process.ProcessTree;
import io.comfyfleet.fleet.provider.WorkerLife;

/**
 * One local worker process: its life as the provider tracks it ({@link WorkerLife}), the process tree that runs
 * it, and its output being copied (with the reason it gave for exiting).
 */
record LocalWorker(WorkerLife life, Process process, ProcessTree tree, ExitReason output) {
    LocalWorker(WorkerLife life, Process process, ExitReason output) {
        this(life, process, new ProcessTree(process.toHandle()), output);
    }
}
