package io.comfyfleet.worker;

/** Prints {@link ProcessAge#millis()} of a fresh JVM, for {@link ProcessAgeTest}. */
final class ProcessAgeChild {
    public static void main(String[] args) {
        System.out.println(ProcessAge.millis());
    }
}
