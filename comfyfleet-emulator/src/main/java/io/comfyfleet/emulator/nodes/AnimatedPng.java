package io.comfyfleet.emulator.nodes;

import io.comfyfleet.emulator.files.ImageCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Assembles an APNG from ordinary PNG encodings of each frame: javax.imageio writes the frames, this class
 * only re-packs their IDAT data into the acTL/fcTL/fdAT chunks of the APNG specification.
 */
final class AnimatedPng {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private AnimatedPng() {}

    static byte[] encode(List<BufferedImage> frames, double fps, Map<String, String> text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        int sequence = 0;
        int delayMillis = (int) Math.round(1000.0 / fps);
        for (int f = 0; f < frames.size(); f++) {
            BufferedImage frame = frames.get(f);
            List<Chunk> chunks = chunks(ImageCodec.png(frame, f == 0 ? text : Map.of()));
            if (f == 0) {
                chunks.stream().filter(c -> !c.type.equals("IDAT") && !c.type.equals("IEND")).forEach(c -> write(out, c));
                write(out, new Chunk("acTL", ByteBuffer.allocate(8).putInt(frames.size()).putInt(0).array()));
            }
            ByteBuffer control = ByteBuffer.allocate(26).putInt(sequence++).putInt(frame.getWidth())
                    .putInt(frame.getHeight()).putInt(0).putInt(0).putShort((short) delayMillis)
                    .putShort((short) 1000).put((byte) 0).put((byte) 0);
            write(out, new Chunk("fcTL", control.array()));
            for (Chunk data : chunks.stream().filter(c -> c.type.equals("IDAT")).toList()) {
                if (f == 0) {
                    write(out, data);
                } else {
                    write(out, new Chunk("fdAT", ByteBuffer.allocate(4 + data.data.length)
                            .putInt(sequence++).put(data.data).array()));
                }
            }
        }
        write(out, new Chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    private record Chunk(String type, byte[] data) {}

    private static List<Chunk> chunks(byte[] png) {
        ByteBuffer in = ByteBuffer.wrap(png, SIGNATURE.length, png.length - SIGNATURE.length);
        List<Chunk> chunks = new ArrayList<>();
        while (in.remaining() >= 12) {
            int length = in.getInt();
            byte[] type = new byte[4];
            in.get(type);
            byte[] data = new byte[length];
            in.get(data);
            in.getInt();
            chunks.add(new Chunk(new String(type, StandardCharsets.US_ASCII), data));
        }
        return chunks;
    }

    private static void write(ByteArrayOutputStream out, Chunk chunk) {
        byte[] type = chunk.type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(type);
        crc.update(chunk.data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(chunk.data.length).array());
        out.writeBytes(type);
        out.writeBytes(chunk.data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
