package io.comfyfleet.gateway.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyfleet.gateway.support.Reply;
import io.comfyfleet.gateway.support.TestGateway;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium against a real gateway: sign in with a key, watch a job go from
 * IN_QUEUE through live progress (with its preview frame) to COMPLETED with its times and worker, and filter the
 * jobs by status; at phone width nothing overflows, and a gateway that stops answering dims the board. The worker
 * is plain HTTP speaking RunPod's worker protocol, with progress in the shape the ComfyFleet worker posts.
 * Screenshots land in {@code target/dashboard-*.png}.
 */
class DashboardBrowserTest {
    static final Path SCREENSHOTS = Path.of("target");

    @TempDir
    Path dir;
    TestGateway gw;
    ChromeDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void start() throws IOException {
        gw = new TestGateway(dir);
        browser = HeadlessChromium.start(dir.resolve("chromium-profile"));
        // the page redraws every 1.5 s, so an element found a moment ago may be gone: look again
        wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (!gatewayClosed) {
            gw.close();
        }
    }

    boolean gatewayClosed;

    @Test
    void fitsAPhoneAndDimsWhatItShowsWhenTheGatewayStopsAnswering() throws IOException {
        // a desktop window cannot be narrower than ~500 px; a phone's viewport is emulated as Chrome's device mode does
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                java.util.Map.of("width", 390, "height", 844, "deviceScaleFactor", 1, "mobile", true));
        browser.get(gw.client.base() + "/");
        signIn(TestGateway.CLIENT_KEY);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("board")));
        assertThat((Long) browser.executeScript("return window.innerWidth")).isEqualTo(390L);
        // full tables: a running job on a worker with a cold start, and a queued one
        String running = gw.run("{\"workflow\":{}}");
        assertThat(gw.take("worker-with-a-long-name-0001")).isEqualTo(running);
        gw.gateway.fleetMetrics().coldStart("ep1", "worker-with-a-long-name-0001", Duration.ofSeconds(75));
        String id = gw.run("{\"workflow\":{}}");
        waitForCell(id, "status", "IN_QUEUE");
        waitForCell(running, "status", "IN_PROGRESS");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("workers-body"), "1 min 15 s"));
        assertThat(browser.findElement(By.id("offline")).isDisplayed()).isFalse();

        long overflow = (Long) browser.executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assertThat(overflow).as("the page is no wider than the phone").isLessThanOrEqualTo(0);
        @SuppressWarnings("unchecked")
        List<String> overflowing = (List<String>) browser.executeScript("""
                return [...document.querySelectorAll('.panel, .card, .table-wrap, svg.chart')]
                  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
                  .map(e => (e.id || e.className.baseVal || e.className) + ' ' + e.scrollWidth + '>' + e.clientWidth)""");
        assertThat(overflowing).as("cards and tables wider than their box at 390 px").isEmpty();
        @SuppressWarnings("unchecked")
        List<String> outside = (List<String>) browser.executeScript("""
                return [...document.querySelectorAll('table')].filter(t => {
                    const card = t.closest('.panel').getBoundingClientRect(), r = t.getBoundingClientRect();
                    return r.left < card.left || r.right > card.right; }).map(t => t.parentElement.parentElement.innerText.split('\\n')[0])""");
        assertThat(outside).as("tables reaching past the edge of their card").isEmpty();
        screenshot("dashboard-phone.png");

        gw.close();
        gatewayClosed = true;
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("offline")));
        assertThat(browser.findElement(By.id("offline")).getText()).startsWith("Gateway unreachable since")
                .contains("What you see is from");
        assertThat(browser.findElement(By.id("board")).getDomAttribute("class")).contains("stale");
        screenshot("dashboard-offline.png");
    }

    @Test
    void followsAJobFromQueueThroughProgressToCompletedAndFiltersByStatus() throws IOException {
        browser.get(gw.client.base() + "/");
        signIn("not-a-key-of-this-gateway");
        wait.until(ExpectedConditions.textToBe(By.id("key-error"), "That key opens no endpoint on this gateway."));
        signIn(TestGateway.CLIENT_KEY);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("board")));
        // read inside the wait: the page redraws every 1.5 s, and a card found a moment ago may be gone
        assertThat((String) wait.until(d -> d.findElement(By.cssSelector("[data-endpoint=ep1]")).getText()))
                .contains("ep1", "QUEUE_DELAY");
        assertThat(browser.findElements(By.cssSelector("[data-endpoint=ep2]")))
                .as("ep2 has other client keys: this key must not see it").isEmpty();

        String id = gw.run("{\"workflow\":{\"3\":{\"class_type\":\"KSampler\",\"inputs\":{}}}}");
        waitForCell(id, "status", "IN_QUEUE");

        gw.clock.advance(Duration.ofSeconds(2));
        assertThat(gw.take("worker-a")).isEqualTo(id);
        gw.gateway.fleetMetrics().coldStart("ep1", "worker-a", Duration.ofSeconds(8));
        Reply progress = gw.worker.postAsForm("/v2/ep1/job-done/worker-a/" + id, """
                {"status": "IN_PROGRESS", "output": {"prompt_id": "p-1", "percent": 42.5, "nodes_done": 2,
                 "nodes_total": 7, "node_id": "3", "node_type": "KSampler", "step": 12, "max_steps": 20,
                 "cached_nodes": [], "preview": "%s"}}""".formatted(previewJpeg()));
        assertThat(progress.status()).isEqualTo(200);

        By running = By.cssSelector("#running [data-job-id='" + id + "']");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(running, "42.5 % · KSampler #3 · step 12/20"));
        String src = wait.until(d -> d.findElement(running).findElement(By.tagName("img")).getDomAttribute("src"));
        assertThat(src).startsWith("data:image/jpeg;base64,");
        waitForCell(id, "status", "IN_PROGRESS");
        By worker = By.cssSelector("#workers-body [data-worker-id=worker-a]");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(worker, "running"));
        String workerRow = wait.until(d -> d.findElement(worker).getText());
        // job ids are long: the workers table shows their start, the whole id on hover and in the job's detail
        assertThat(workerRow).contains("8.0 s", id.substring(0, 8) + "\u2026").doesNotContain(id);
        String title = wait.until(d -> d.findElement(worker).findElement(By.cssSelector("[data-open-job]"))
                .getDomAttribute("title"));
        assertThat(title).isEqualTo(id);
        assertThat((Boolean) browser.executeScript(
                "const w = document.querySelector('#workers-body').closest('.table-wrap'); return w.scrollWidth > w.clientWidth"))
                .as("the workers table scrolls sideways in a 1400 px window").isFalse();
        screenshot("dashboard-running.png");

        gw.clock.advance(Duration.ofMillis(3500));
        assertThat(gw.worker.postAsForm("/v2/ep1/job-done/worker-a/" + id, """
                {"output": {"images": [{"filename": "out_00001_.png", "type": "base64", "data": "%s"}]}}"""
                .formatted(png())).status()).isEqualTo(200);
        waitForCell(id, "status", "COMPLETED");
        assertThat(cell(id, "delay")).isEqualTo("2.0 s");
        assertThat(cell(id, "execution")).isEqualTo("3.5 s");
        assertThat(cell(id, "worker")).isEqualTo("worker-a");
        wait.until(ExpectedConditions.textToBe(By.id("running"), "No job is running."));

        // the job's detail: timeline, worker, workflow nodes, and its output image shown and downloadable
        browser.findElement(By.cssSelector("#jobs-body [data-job-id='" + id + "'] .status")).click();
        By detail = By.id("job-detail");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(detail, "ran 3.5 s"));
        String detailText = browser.findElement(detail).getText();
        assertThat(detailText).contains(id, "COMPLETED", "waited 2.0 s", "worker-a", "3 KSampler", "out_00001_.png");
        // one read inside the page, waited for: the browser decoded the output image, and its link downloads it
        wait.until(d -> (Boolean) browser.executeScript("""
                const img = document.querySelector('#job-detail figure.output img');
                const link = document.querySelector('#job-detail figure.output a');
                return !!img && !!link && img.getAttribute('src').startsWith('data:image/png;base64,')
                    && img.complete && img.naturalWidth === 24 && link.getAttribute('download') === 'out_00001_.png'"""));
        screenshot("dashboard-job.png");
        browser.findElement(By.id("job-detail-close")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(detail));
        // the worker's last job opens the same detail
        wait.until(d -> {
            d.findElement(By.cssSelector("#workers-body [data-worker-id=worker-a] [data-open-job='" + id + "']")).click();
            return true;
        });
        wait.until(ExpectedConditions.textToBePresentInElementLocated(detail, "ran 3.5 s"));
        assertThat(browser.findElement(detail).getText()).contains(id, "COMPLETED");
        browser.findElement(By.id("job-detail-close")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(detail));

        String queued = gw.run("{\"workflow\":{}}");
        waitForCell(queued, "status", "IN_QUEUE");
        filter("COMPLETED");
        wait.until(d -> jobIds().equals(List.of(id)));
        filter("IN_QUEUE");
        wait.until(d -> jobIds().equals(List.of(queued)));
        filter("FAILED");
        wait.until(ExpectedConditions.textToBe(By.id("jobs-body"), "No job with this status."));
        filter("ALL");
        wait.until(d -> jobIds().equals(List.of(queued, id)));
        // the queue chart: workers as an area behind the two lines, so "in progress" cannot hide under it
        // (the sampler takes a point every 2 s of real time; a line needs two)
        wait.until(d -> d.findElements(By.cssSelector("#chart polyline")).size() == 2
                && d.findElements(By.cssSelector("#chart polygon.workers")).size() == 1);
        // the job-times chart has the job's delay and execution (p50 = p95 with one job), the cold-start chart its dot
        wait.until(d -> d.findElements(By.cssSelector("#times-chart circle.delay")).size() == 2
                && d.findElements(By.cssSelector("#times-chart circle.execution")).size() == 2);
        assertThat(browser.findElement(By.id("times-window")).getText()).isEqualTo("per 30 s, 1 job ended");
        assertThat(browser.findElements(By.cssSelector("#cold-chart circle.cold"))).hasSize(1);
        assertThat(browser.findElement(By.id("cold-summary")).getText()).isEqualTo("1 in the window, last 8.0 s (worker-a)");
        screenshot("dashboard.png");
    }

    @Test
    void showsEachEndpointsVersionWhyItsRolloutHaltedAndWhyAWorkerGaveUp() throws IOException {
        gw.worker.get("/v2/ep1/ping/w-7?status=unhealthy&check=comfyui_start"
                + "&reason=ComfyUI%20did%20not%20start:%20No%20module%20named%20%27torch%27");
        gw.clock.advance(Duration.ofMinutes(3));
        gw.gateway.endpointAdmin().store().saveRollout(new io.comfyfleet.core.endpoint.RolloutStatus("ep1",
                io.comfyfleet.core.endpoint.RolloutStatus.State.HALTED, "demo:a", "demo:broken",
                java.time.Instant.parse("2026-01-01T00:00:00Z"), 2, 0, 0, 3,
                "3 worker(s) of version demo:broken failed before becoming ready", gw.clock.instant()));
        browser.get(gw.client.base() + "/");
        signIn(TestGateway.CLIENT_KEY);
        By card = By.cssSelector("[data-endpoint=ep1]");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(card, "demo:broken"));
        assertThat((String) wait.until(d -> d.findElement(card).getText())).contains("version\ndemo:a", "roll-out",
                "halted demo:a \u2192 demo:broken: 2 old, 0 new (0 ready)", "failed before becoming ready",
                "A worker gave up 3 min ago (w-7, comfyui_start): ComfyUI did not start: No module named 'torch'");
        screenshot("dashboard-rollout.png");

        // the page's duration() says what the command line's HumanDuration says (HumanDurationTest, same cases)
        @SuppressWarnings("unchecked")
        List<String> shown = (List<String>) browser.executeScript(
                "return [0, 350, 1249, 1250, 59940, 59960, 184000, 600000, 7500000, 86400000, 276000000].map(duration)");
        assertThat(shown).containsExactly("0 ms", "350 ms", "1.2 s", "1.3 s", "59.9 s", "1 min", "3 min 4 s", "10 min",
                "2 h 5 min", "1 d", "3 d 4 h");
    }

    @Test
    void theJobTimesChartDrawsLinesNotFilledShapes() throws IOException {
        // jobs in three 30 s buckets make each p50/p95 a polyline of three points; a polyline the browser fills
        // closes on itself and shows as a solid triangle (the series colours must paint only the dots)
        for (int i = 0; i < 3; i++) {
            String id = gw.run("{\"workflow\":{}}");
            gw.clock.advance(Duration.ofSeconds(1 + i));
            assertThat(gw.take("worker-a")).isEqualTo(id);
            gw.clock.advance(Duration.ofSeconds(5 + 10 * i));
            assertThat(gw.worker.postAsForm("/v2/ep1/job-done/worker-a/" + id, "{\"output\": {\"images\": []}}")
                    .status()).isEqualTo(200);
            gw.clock.advance(Duration.ofSeconds(30));
        }
        browser.get(gw.client.base() + "/");
        signIn(TestGateway.CLIENT_KEY);
        wait.until(d -> d.findElements(By.cssSelector("#times-chart polyline")).size() == 4);
        @SuppressWarnings("unchecked")
        List<String> fills = (List<String>) browser.executeScript(
                "return [...document.querySelectorAll('#times-chart polyline')].map(p => getComputedStyle(p).fill)");
        assertThat(fills).as("the computed fill of each line").containsOnly("none");
        @SuppressWarnings("unchecked")
        List<String> dots = (List<String>) browser.executeScript(
                "return [...document.querySelectorAll('#times-chart circle')].map(c => getComputedStyle(c).fill)");
        assertThat(dots).as("the dots keep their series' colour").isNotEmpty().doesNotContain("none");
        screenshot("dashboard-times.png");
    }

    private void signIn(String key) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-key")));
        input.clear();
        input.sendKeys(key);
        browser.findElement(By.cssSelector("#key-form button")).click();
    }

    private void filter(String status) {
        new Select(browser.findElement(By.id("status-filter"))).selectByValue(status);
    }

    /** The job ids the table shows, read in one go inside the page so a redraw cannot split the read. */
    @SuppressWarnings("unchecked")
    private List<String> jobIds() {
        return (List<String>) browser.executeScript(
                "return [...document.querySelectorAll('#jobs-body tr[data-job-id]')].map(r => r.dataset.jobId)");
    }

    private void waitForCell(String jobId, String column, String text) {
        wait.until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("#jobs-body [data-job-id='" + jobId + "'] ." + column), text));
    }

    private String cell(String jobId, String column) {
        return wait.until(d -> d.findElement(By.cssSelector("#jobs-body [data-job-id='" + jobId + "'] ." + column)).getText());
    }

    private void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A 24x16 PNG as base64, as a worker sends an inline output. */
    private static String png() throws IOException {
        BufferedImage image = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(200, 60, 60), 24, 16, new Color(60, 200, 90)));
        g.fillRect(0, 0, 24, 16);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** A small JPEG like the worker's preview frames, as the data URI it sends. */
    private static String previewJpeg() throws IOException {
        BufferedImage image = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(40, 90, 200), 96, 96, new Color(240, 170, 60)));
        g.fillRect(0, 0, 96, 96);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
