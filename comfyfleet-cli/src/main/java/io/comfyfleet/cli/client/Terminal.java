package io.comfyfleet.cli.client;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether this process talks to a person at a terminal, so output may be redrawn in place. */
final class Terminal {
    private Terminal() {}

    /**
     * True when a console is attached and (JDK 22+) it is a real terminal. Java cannot ask about stderr alone;
     * a console means stdin and stdout are a terminal, which in practice is where stderr goes too.
     */
    static boolean isInteractive() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // JDK 22+ returns a Console even when redirected and says so through isTerminal(); we compile for 21
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 21: a console is only returned for a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
