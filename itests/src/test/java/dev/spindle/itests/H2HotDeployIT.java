package dev.spindle.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;

/**
 * Hot deploy under HTTP/2 load: while h2c clients keep many streams open on the handler (4
 * connections, 16 streams each, a new stream as soon as one ends), the handler bundle is updated
 * 20 times, through File Install and through the framework; every stream completes with a 200
 * from one of the two versions.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class H2HotDeployIT {

    @Inject
    private BundleContext context;

    private HotDeploys swap;

    @Configuration
    public Option[] config() {
        return options(HotDeploys.provisioning("h2-hotdeploy"));
    }

    @Before
    public void setUp() throws Exception {
        swap = new HotDeploys(context);
    }

    @Test
    public void twentyUpdatesUnderHttp2LoadFailNoStream() throws Exception {
        Path tools = Paths.get(System.getProperty("spindle.conformance.extra")).toAbsolutePath();
        Process load = new ProcessBuilder("/usr/bin/python3", tools.resolve("h2_load.py").toString(),
                String.valueOf(swap.port), "/swap", "4", "16").redirectErrorStream(true).start();
        String output;
        try {
            swap.alternate(20);
        } finally {
            load.getOutputStream().close();
            output = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("the load ends", load.waitFor(20, TimeUnit.SECONDS));
        }
        Map<String, Long> answers = new TreeMap<>();
        List<String> other = new ArrayList<>();
        for (String line : output.strip().split("\n")) {
            if (line.startsWith("answer ")) {
                int colon = line.lastIndexOf(": ");
                answers.put(line.substring(7, colon), Long.parseLong(line.substring(colon + 2)));
            } else {
                other.add(line);
            }
        }
        assertEquals(output, List.of("failures: 0 []"), other);
        assertEquals("only 200s from the two versions: " + answers,
                List.of("200 version=1.0.0", "200 version=2.0.0"), new ArrayList<>(answers.keySet()));
        assertTrue("the load ran: " + answers, answers.values().stream().mapToLong(Long::longValue).sum() > 500);
    }
}
