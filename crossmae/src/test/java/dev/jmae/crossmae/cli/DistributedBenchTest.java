package dev.jmae.crossmae.cli;

import dev.jmae.distributed.testing.MpiLauncher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jmae bench --distributed} under {@code mpirun -np 2} (the entry point of
 * tools/bench-distributed.sh) prints one row per timed step from rank 0 alone, with DDP's
 * statistics consistent with their definitions: hidden plus exposed is the all-reduce time, the
 * hidden share is hidden over all-reduce, every bucket is launched during backward; the ranks'
 * adaptive warm-up ends together, within its bounds. A 2-block 32-px CrossMAE keeps it short.
 */
class DistributedBenchTest {

    @Test
    void ranksReportTheAllReduceAndItsHiddenPartPerStep() {
        MpiLauncher.Result r = MpiLauncher.run(2, Main.class, Duration.ofSeconds(180), "bench", "--distributed",
                "--config",
                "bench_32px_crossmae", "--set", "depth=1", "--set", "decoder_depth=1", "--batch-size", "2", "--warmup",
                "1", "--max-warmup", "4", "--steps", "3");
        assertEquals(0, r.exitCode(), r.output());
        // the ranks warm up together until every compiler is quiet: 1 to 4 steps, agreed by all-reduce
        // (a rank stopping alone would leave the other waiting in its collective until the timeout)
        Matcher head = Pattern.compile("bench_32px_crossmae: cpu, 2 ranks x batch 2 \\(global 4\\), ([1-4]) warmup"
                + "( \\(JIT still busy\\))? \\+ 3 timed steps").matcher(r.output());
        assertTrue(head.find(), r.output());
        assertTrue(head.group(2) == null || head.group(1).equals("4"),
                "still busy only when warm-up stopped at --max-warmup: " + head.group());
        // step, ms/step, all-reduce ms, hidden ms, hidden %, exposed ms, wait ms, copies ms, launched of buckets
        Matcher m = Pattern
                .compile("(?m)^ +(\\d+) +([\\d.]+) +([\\d.]+) +([\\d.]+) +(\\d+)% +([\\d.]+) +([\\d.]+) +([\\d.]+)"
                        + " +(\\d+) of (\\d+)$")
                .matcher(r.output());
        List<Integer> steps = new ArrayList<>();
        while (m.find()) {
            steps.add(Integer.parseInt(m.group(1)));
            double allReduce = Double.parseDouble(m.group(3));
            double hidden = Double.parseDouble(m.group(4));
            double exposed = Double.parseDouble(m.group(6));
            assertEquals(allReduce, hidden + exposed, 0.11,
                    "hidden + exposed = all-reduce (printed to 0.1 ms): " + m.group());
            if (allReduce >= 1) {
                assertEquals(100 * hidden / allReduce, Integer.parseInt(m.group(5)), 6, m.group());
            }
            assertEquals(m.group(10), m.group(9), "every bucket is launched before backward's last node: " + m.group());
        }
        assertEquals(List.of(1, 2, 3), steps, "one row per timed step, from rank 0 only:\n" + r.output());
        assertTrue(r.output().matches("(?s).*img/s over all ranks, [\\d.]+ ms/step \\(median\\); the same [\\d.]+ MB"
                + " all-reduced alone after a barrier: [\\d.]+ ms.*"), r.output());
    }
}
