package io.comfyfleet.emulator.nodes;

import java.io.ByteArrayOutputStream;

/**
 * A minimal FLAC writer: 16-bit mono, fixed block size, VERBATIM subframes (uncompressed samples inside
 * valid FLAC framing with CRC-8 and CRC-16). No Java library in our stack writes FLAC, and SaveAudio's
 * files must be FLAC; compression does not matter for an emulator.
 */
final class Flac {
    private static final int BLOCK = 4096;

    private Flac() {}

    static byte[] encode(short[] samples, int sampleRate) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {'f', 'L', 'a', 'C'});
        out.write(0x80); // last metadata block, type 0 = STREAMINFO
        out.writeBytes(new byte[] {0, 0, 34});
        Bits info = new Bits();
        info.put(BLOCK, 16).put(BLOCK, 16).put(0, 24).put(0, 24);
        info.put(sampleRate, 20).put(0, 3).put(15, 5).putLong(samples.length, 36);
        for (int i = 0; i < 16; i++) {
            info.put(0, 8); // MD5 unknown
        }
        out.writeBytes(info.bytes());
        int frame = 0;
        for (int start = 0; start < samples.length; start += BLOCK, frame++) {
            int size = Math.min(BLOCK, samples.length - start);
            out.writeBytes(frame(samples, start, size, frame));
        }
        return out.toByteArray();
    }

    private static byte[] frame(short[] samples, int start, int size, int number) {
        Bits header = new Bits();
        header.put(0x3FFE, 14).put(0, 1).put(0, 1); // sync, reserved, fixed block size
        header.put(0b0111, 4).put(0, 4); // block size from the 16-bit field below, rate from STREAMINFO
        header.put(0, 4).put(0, 3).put(0, 1); // mono, bits per sample from STREAMINFO, reserved
        for (byte b : utf8Number(number)) {
            header.put(b & 0xFF, 8);
        }
        header.put(size - 1, 16);
        byte[] head = header.bytes();
        Bits frame = new Bits();
        for (byte b : head) {
            frame.put(b & 0xFF, 8);
        }
        frame.put(crc8(head), 8);
        frame.put(0, 1).put(0b000001, 6).put(0, 1); // VERBATIM subframe, no wasted bits
        for (int i = 0; i < size; i++) {
            frame.put(samples[start + i] & 0xFFFF, 16);
        }
        byte[] body = frame.bytes();
        int crc = crc16(body);
        byte[] out = new byte[body.length + 2];
        System.arraycopy(body, 0, out, 0, body.length);
        out[body.length] = (byte) (crc >> 8);
        out[body.length + 1] = (byte) crc;
        return out;
    }

    /** FLAC's "UTF-8" coding of the frame number. */
    private static byte[] utf8Number(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n < 0x800) {
            return new byte[] {(byte) (0xC0 | (n >> 6)), (byte) (0x80 | (n & 0x3F))};
        }
        return new byte[] {(byte) (0xE0 | (n >> 12)), (byte) (0x80 | ((n >> 6) & 0x3F)), (byte) (0x80 | (n & 0x3F))};
    }

    private static int crc8(byte[] data) {
        int crc = 0;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x80) != 0 ? ((crc << 1) ^ 0x07) & 0xFF : (crc << 1) & 0xFF;
            }
        }
        return crc;
    }

    private static int crc16(byte[] data) {
        int crc = 0;
        for (byte b : data) {
            crc ^= (b & 0xFF) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x8005) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }
        return crc;
    }

    /** A big-endian bit writer. */
    private static final class Bits {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private long buffer;
        private int count;

        Bits put(int value, int bits) {
            return putLong(value & 0xFFFFFFFFL, bits);
        }

        Bits putLong(long value, int bits) {
            for (int i = bits - 1; i >= 0; i--) {
                buffer = (buffer << 1) | ((value >>> i) & 1);
                if (++count == 8) {
                    out.write((int) buffer);
                    buffer = 0;
                    count = 0;
                }
            }
            return this;
        }

        byte[] bytes() {
            if (count != 0) {
                throw new IllegalStateException("FLAC structures are byte aligned; " + count + " bits left over");
            }
            return out.toByteArray();
        }
    }
}
