package io.comfyfleet.fleet.local;

import io.comfyfleet.common.process.ProcessTree;
import io.comfyfleet.fleet.provider.WorkerLife;

/**
 * One local worker process: its life as the provider tracks it ({@link WorkerLife}) and the process tree that runs
 * it.
 */
record LocalWorker(WorkerLife life, Process process, ProcessTree tree) {
    LocalWorker(WorkerLife life, Process process) {
        this(life, process, new ProcessTree(process.toHandle()));
    }
}
