package io.comfyfleet.emulator;

/** How the emulator behaves during its startup delay. */
public enum StartupMode {
    /** Like ComfyUI: the port is bound only when ready, so connections are refused until then. */
    REFUSE,
    /** The port is bound at once but every request waits until ready (a server that answers late). */
    LATE
}
