package io.comfyfleet.cli.up;

import io.comfyfleet.fleet.autoscale.Autoscaler;
import io.comfyfleet.fleet.provider.FleetWorker;
import io.comfyfleet.fleet.provider.WorkerProvider;
import io.comfyfleet.gateway.Gateway;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a gateway's autoscaler under its control-loop lease (several gateways on one database): only the holder
 * scales, checking its lease right before each start or stop; a gateway that takes the lease over runs a pass at
 * once; one that loses it stops the workers its own provider runs, since nobody else manages them (a local-process
 * provider's workers report to the gateway that started them only), unless those workers are the fleet's, followed
 * and reached by every gateway (Kubernetes pods): the new leader manages those. A gateway alone on its database
 * always leads.
 */
final class ControlLoop {
    private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);

    private ControlLoop() {}

    /**
     * Gates the autoscaler by the gateway's lease; call once, before the autoscaler starts.
     *
     * @param stopGrace what a worker stopped on losing the lease gets to finish its job
     */
    public static void attach(Gateway gateway, Autoscaler autoscaler, WorkerProvider provider, Duration stopGrace) {
        Objects.requireNonNull(provider, "provider");
        autoscaler.gatedBy(gateway.controlGate());
        gateway.leaderLease().ifPresent(lease -> lease.onChange(leader -> {
            if (leader) {
                log.info("gateway {} took over the control loop: autoscaler pass now", gateway.id());
                autoscaler.nudge();
            } else {
                lostControl(gateway.id(), provider, stopGrace);
            }
        }));
    }

    /** What a gateway does with its provider's workers when another gateway takes the control loop over. */
    static void lostControl(String gatewayId, WorkerProvider provider, Duration stopGrace) {
        if (provider.sharedByGateways()) {
            log.info("gateway {} no longer runs the control loop; the {} workers are the fleet's, the gateway that"
                    + " runs it now manages them", gatewayId, provider.name());
            return;
        }
        java.util.List<FleetWorker> workers;
        try {
            workers = provider.list();
        } catch (RuntimeException e) {
            log.debug("provider {} cannot list its workers (closed on shutdown?)", provider.name(), e);
            return;
        }
        for (FleetWorker w : workers) {
            if (w.phase() == FleetWorker.Phase.UP) {
                log.warn("worker {} of endpoint {}: stopping it, this gateway no longer runs the control loop",
                        w.workerId(), w.endpoint());
                provider.stop(w.handle(), stopGrace);
            }
        }
    }
}
