package io.comfyfleet.examples;

import io.comfyfleet.sdk.ComfyFleetClient;
import io.comfyfleet.sdk.ComfyFleetException;
import io.comfyfleet.sdk.InputImage;
import io.comfyfleet.sdk.JobFailedException;
import io.comfyfleet.sdk.JobHandle;
import io.comfyfleet.sdk.JobResult;
import io.comfyfleet.sdk.RunOptions;
import io.comfyfleet.sdk.Workflow;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Runs a workflow with one input image and saves its outputs:
 * {@code RunWorkflow <base-url> <endpoint> <workflow_api.json> [input.png] [output-folder]}, with the client key
 * in {@code COMFYFLEET_CLIENT_KEY}. Without an input image it draws one, so it runs out of the box.
 */
public final class RunWorkflow {
    private RunWorkflow() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: RunWorkflow <base-url> <endpoint> <workflow_api.json> [input.png] [output-folder]");
            System.exit(2);
        }
        ComfyFleetClient client = ComfyFleetClient.builder()
                .baseUrl(args[0])
                .apiKey(System.getenv("COMFYFLEET_CLIENT_KEY"))
                .build();
        Workflow workflow = Workflow.read(Path.of(args[2]));
        // the workflow's LoadImage node refers to "input.png": the image is uploaded under that name
        InputImage input = args.length > 3 && !args[3].isBlank()
                ? InputImage.of("input.png", java.nio.file.Files.readAllBytes(Path.of(args[3])))
                : InputImage.of("input.png", drawnImage());
        Path folder = Path.of(args.length > 4 ? args[4] : "out");

        try {
            JobHandle job = client.endpoint(args[1]).run(workflow, List.of(input), RunOptions.defaults().preview(true));
            System.out.println("submitted job " + job.id());
            JobResult result = job
                    .onProgress(p -> System.out.printf("%5.1f%%%s%s%s%n", p.percent(),
                            p.nodeId() == null ? "" : "  node " + p.nodeId() + " (" + p.nodeType() + ")",
                            p.maxSteps() > 0 ? "  step " + p.step() + "/" + p.maxSteps() : "",
                            p.preview().map(b -> "  preview " + b.length + " bytes").orElse("")))
                    .await(Duration.ofMinutes(10));
            for (Path file : result.saveTo(folder)) {
                System.out.println("saved " + file);
            }
        } catch (JobFailedException e) {
            System.err.println("job " + e.jobId() + " failed: " + e.serverMessage());
            System.exit(1);
        } catch (ComfyFleetException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    private static byte[] drawnImage() throws IOException {
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, 64, 64);
        g.setColor(Color.BLUE);
        g.fillOval(16, 16, 32, 32);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
