package io.comfyfleet.fleet.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExitNoticeTest {
    private static final WorkerExit EARLY = new WorkerExit("ep", "w1", 137, "killed", false);
    private static final WorkerExit LATER = new WorkerExit("ep", "w2", 3, "gave up", true);

    @Test
    void exitsToldBeforeTheFirstListenerAreHandedToItWhenKept() {
        ExitNotice notice = ExitNotice.keepingEarlyExits();
        notice.tell(EARLY);
        List<WorkerExit> heard = new ArrayList<>();

        notice.listen(heard::add);
        notice.tell(LATER);

        assertThat(heard).containsExactly(EARLY, LATER);
    }

    @Test
    void aPlainNoticeDropsThem() {
        ExitNotice notice = new ExitNotice();
        notice.tell(EARLY);
        List<WorkerExit> heard = new ArrayList<>();

        notice.listen(heard::add);
        notice.tell(LATER);

        assertThat(heard).containsExactly(LATER);
    }
}
