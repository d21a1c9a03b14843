package io.comfyfleet.worker.output.s3;

import io.comfyfleet.worker.output.DeliveredOutput;
import io.comfyfleet.worker.output.HashingInputStream;
import io.comfyfleet.worker.output.OutputContent;
import io.comfyfleet.worker.output.OutputDeliveryException;
import io.comfyfleet.worker.output.OutputSink;
import io.comfyfleet.worker.output.OutputTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Uploads each file to an S3-compatible bucket (path-style, so MinIO, R2, s3proxy and friends work) and
 * returns a presigned GET URL. A file of known size is streamed straight from ComfyUI; one of unknown size is
 * streamed to a temporary file first, because S3 needs the length up front.
 */
final class S3Sink implements OutputSink {
    private final S3Settings settings;
    private final S3Client s3;
    private final S3Presigner presigner;

    S3Sink(S3Settings settings) {
        this.settings = settings;
        StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(settings.accessId(), settings.accessSecret()));
        S3Configuration pathStyle = S3Configuration.builder().pathStyleAccessEnabled(true).build();
        this.s3 = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(true)
                // S3-compatible stores differ in checksum support; send one only where the API requires it
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        this.presigner = S3Presigner.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(pathStyle)
                .build();
    }

    @Override
    public DeliveredOutput deliver(OutputTarget target, OutputContent content) {
        String key = settings.key(target.jobId(), target.fileName());
        PutObjectRequest put = PutObjectRequest.builder().bucket(settings.bucket()).key(key)
                .contentType(target.mimeType()).build();
        try {
            long size;
            String sha;
            if (content.size() >= 0) {
                AtomicReference<HashingInputStream> last = new AtomicReference<>();
                s3.putObject(put, RequestBody.fromContentProvider(() -> {
                    try {
                        HashingInputStream in = new HashingInputStream(content.open());
                        last.set(in); // a retried upload re-opens: the last stream read is the one stored
                        return in;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, content.size(), target.mimeType()));
                size = last.get().count();
                sha = last.get().sha256();
            } else {
                Path tmp = Files.createTempFile("comfyfleet-s3-", ".part");
                try {
                    HashingInputStream in = new HashingInputStream(content.open());
                    try (InputStream closing = in) {
                        Files.copy(closing, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                    s3.putObject(put, RequestBody.fromFile(tmp));
                    size = in.count();
                    sha = in.sha256();
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            String url = presigner.presignGetObject(p -> p.signatureDuration(settings.urlTtl())
                    .getObjectRequest(GetObjectRequest.builder().bucket(settings.bucket()).key(key).build()))
                    .url().toString();
            return new DeliveredOutput("s3_url", url, size, sha);
        } catch (SdkException | UncheckedIOException e) {
            throw new OutputDeliveryException(target, "upload to s3://" + settings.bucket() + "/" + key + " at "
                    + settings.endpoint() + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new OutputDeliveryException(target, "could not be buffered for S3: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }
}
