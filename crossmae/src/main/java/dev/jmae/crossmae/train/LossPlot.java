package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws {@code loss.png} from the metrics log with XChart: the logged training loss against the
 * (fractional) epoch, the epoch means, and the test loss where epoch records have one
 * ({@code test_loss}, fine-tuning and the linear probe).
 */
public final class LossPlot {

    private LossPlot() {
    }

    /**
     * Writes the plot.
     *
     * @param records the metrics records
     * @param file the PNG to write (replaced atomically)
     * @param title the chart title
     * @throws IOException if writing fails, naming the file (and a full disk as such); the previous plot is kept
     */
    public static void write(List<ObjectNode> records, Path file, String title) throws IOException {
        List<Double> sx = new ArrayList<>();
        List<Double> sy = new ArrayList<>();
        List<Double> ex = new ArrayList<>();
        List<Double> ey = new ArrayList<>();
        List<Double> tx = new ArrayList<>();
        List<Double> ty = new ArrayList<>();
        for (ObjectNode r : records) {
            if ("step".equals(r.path("type").asText())) {
                sx.add(r.path("epoch_fraction").asDouble());
                sy.add(r.path("loss").asDouble());
            } else if ("epoch".equals(r.path("type").asText())) {
                ex.add(r.path("epoch").asDouble() + 1);
                ey.add(r.path("loss").asDouble());
                if (r.has("test_loss")) {
                    tx.add(r.path("epoch").asDouble() + 1);
                    ty.add(r.path("test_loss").asDouble());
                }
            }
        }
        if (sx.isEmpty() && ex.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle("loss")
                .build();
        chart.getStyler().setMarkerSize(6);
        if (!sx.isEmpty()) {
            XYSeries s = chart.addSeries("training loss (logged steps)", sx, sy);
            s.setMarker(SeriesMarkers.NONE);
        }
        if (!ex.isEmpty()) {
            chart.addSeries("epoch mean", ex, ey).setMarker(SeriesMarkers.CIRCLE);
        }
        if (!tx.isEmpty()) {
            chart.addSeries("test loss", tx, ty).setMarker(SeriesMarkers.DIAMOND);
        }
        try {
            AtomicFiles.replaceStream(file,
                    out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        } catch (IOException e) {
            // XChart reports every failure as "I/O error writing PNG file!"; the reason is in the cause
            throw WriteFailures.writing(file, e, null);
        }
    }
}
