package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws {@code accuracy.png} from a fine-tuning or linear-probe metrics log with XChart: test top-1
 * and top-5 accuracy (percent) after each epoch ({@code test_acc1}, {@code test_acc5} of the
 * {@code "type": "epoch"} records).
 */
public final class AccuracyPlot {

    private AccuracyPlot() {
    }

    /**
     * Writes the plot; nothing when no epoch record has an accuracy.
     *
     * @param records the metrics records
     * @param file the PNG to write (replaced atomically)
     * @param title the chart title
     * @throws IOException if writing fails, naming the file (and a full disk as such); the previous plot is kept
     */
    public static void write(List<ObjectNode> records, Path file, String title) throws IOException {
        List<Double> x = new ArrayList<>();
        List<Double> top1 = new ArrayList<>();
        List<Double> top5 = new ArrayList<>();
        for (ObjectNode r : records) {
            if ("epoch".equals(r.path("type").asText()) && r.has("test_acc1")) {
                x.add(r.path("epoch").asDouble() + 1);
                top1.add(r.path("test_acc1").asDouble());
                top5.add(r.path("test_acc5").asDouble());
            }
        }
        if (x.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch")
                .yAxisTitle("test accuracy (%)").build();
        chart.getStyler().setMarkerSize(6);
        chart.addSeries("top-1", x, top1).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("top-5", x, top5).setMarker(SeriesMarkers.SQUARE);
        try {
            AtomicFiles.replaceStream(file,
                    out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            // XChart reports every failure as "I/O error writing PNG file!"; the reason is in the cause
            throw WriteFailures.writing(file, e, null);
        }
    }
}
