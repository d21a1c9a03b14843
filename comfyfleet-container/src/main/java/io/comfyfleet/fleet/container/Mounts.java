package io.comfyfleet.fleet.container;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Volume;
import io.comfyfleet.fleet.FleetConfigException;
import java.util.List;

/** Binds in Docker's {@code -v} form, {@code SOURCE:/container/path[:ro|:rw]}: checked at start, then parsed. */
final class Mounts {
    private Mounts() {}

    static void check(String key, String mount) {
        if (mount == null) {
            throw new FleetConfigException(key, "must be SOURCE:/container/path[:ro], got nothing");
        }
        String[] parts = mount.split(":", -1);
        boolean modeOk = parts.length == 2 || (parts.length == 3 && (parts[2].equals("ro") || parts[2].equals("rw")));
        if (!modeOk || parts[0].isEmpty() || !parts[1].startsWith("/")) {
            throw new FleetConfigException(key, "must be SOURCE:/container/path or SOURCE:/container/path:ro, where"
                    + " SOURCE is a host folder (/models) or a volume name, got '" + mount + "'");
        }
    }

    static List<Bind> binds(List<String> mounts) {
        return mounts.stream().map(m -> {
            String[] parts = m.split(":", -1);
            AccessMode mode = parts.length == 3 && parts[2].equals("ro") ? AccessMode.ro : AccessMode.rw;
            return new Bind(parts[0], new Volume(parts[1]), mode);
        }).toList();
    }
}
