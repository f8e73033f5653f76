package io.decisionledger.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryMarker;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;

/**
 * The compliance report's charts: JFreeChart draws them into JFreeSVG's {@link SVGGraphics2D}, so
 * each arrives in the HTML as an inline {@code <svg>} element (no script, no network, prints as
 * vectors). One method per chart, each from the rows of its {@link Figure}; a figure without rows
 * has no chart.
 */
final class ReportCharts {

    static final int WIDTH = 900;
    static final int HEIGHT = 340;

    private static final Color[] PALETTE = {
        new Color(0x0969da),
        new Color(0xbf3989),
        new Color(0x1a7f37),
        new Color(0x9a6700),
        new Color(0x8250df),
        new Color(0xcf222e),
        new Color(0x57606a)
    };

    private int charts;

    /** Decisions per day (bars), series = model version. */
    String decisionsPerDay(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : f.rows()) {
            data.addValue(num(r.get(2)), (String) r.get(1), r.get(0).toString());
        }
        return svg(bar("Decisions per day", "day (UTC)", "decisions", data, false, false));
    }

    /** Approval and denial rate per version and day (lines), the first day of a version marked. */
    String rates(Figure perDay, Figure changes, LocalDate from, LocalDate to) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : perDay.rows()) {
            data.addValue(num(r.get(5)), r.get(1) + " approved", r.get(0).toString());
            data.addValue(num(r.get(6)), r.get(1) + " denied", r.get(0).toString());
        }
        JFreeChart chart = line("Approval and denial rate", "day (UTC)", "rate", data);
        CategoryPlot plot = chart.getCategoryPlot();
        ((NumberAxis) plot.getRangeAxis()).setRange(0.0, 1.0);
        for (List<Object> r : changes.rows()) {
            LocalDate first = (LocalDate) r.get(1);
            String day = first.toString();
            if (!first.isBefore(from) && !first.isAfter(to) && data.getColumnIndex(day) >= 0) {
                CategoryMarker m =
                        new CategoryMarker(day, new Color(0x9a6700), new BasicStroke(2f));
                m.setDrawAsLine(true);
                m.setLabel("first " + r.get(0));
                m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
                m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                plot.addDomainMarker(m, Layer.FOREGROUND);
            }
        }
        return svg(chart);
    }

    /** The confidence histogram: bins × (version, period). */
    String confidence(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int b = 0; b < DriftStatistics.BINS; b++) {
            // every bin is a category, in order, even where empty
            data.addValue(null, "-", binLabel(b));
        }
        data.removeRow("-");
        for (List<Object> r : f.rows()) {
            data.addValue(
                    num(r.get(3)),
                    r.get(0) + " (" + r.get(1) + ")",
                    binLabel(((Number) r.get(2)).intValue()));
        }
        return svg(bar("Confidence distribution", "confidence", "decisions", data, false, false));
    }

    /** Stated reasons of denials (horizontal bars), series = model version. */
    String reasons(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : f.rows()) {
            data.addValue(num(r.get(2)), (String) r.get(0), shorten((String) r.get(1), 70));
        }
        return svg(bar("Stated reasons of denials", "", "decisions", data, true, false));
    }

    /** Decisions by model card status (stacked), per version. */
    String cardStatus(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : f.rows()) {
            data.addValue(num(r.get(2)), (String) r.get(1), (String) r.get(0));
        }
        return svg(
                bar(
                        "Decisions by model card status",
                        "model version",
                        "decisions",
                        data,
                        true,
                        true));
    }

    /** Replay match rate per version. */
    String replays(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : f.rows()) {
            data.addValue(num(r.get(3)), "MATCH", (String) r.get(0));
            data.addValue(num(r.get(4)), "DRIFT", (String) r.get(0));
            data.addValue(num(r.get(5)), "ERROR", (String) r.get(0));
        }
        return svg(
                bar(
                        "Replayed decisions by outcome",
                        "model version",
                        "decisions",
                        data,
                        true,
                        true));
    }

    /** Quarantined records per reason. */
    String quarantine(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : f.rows()) {
            data.addValue(num(r.get(1)), "quarantined", (String) r.get(0));
        }
        return svg(bar("Quarantined records by reason", "", "records", data, true, false));
    }

    /** Late decisions per day. */
    String late(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : f.rows()) {
            data.addValue(num(r.get(2)), (String) r.get(1), r.get(0).toString());
        }
        return svg(
                bar(
                        "Decisions too late for the live metrics",
                        "day (UTC)",
                        "decisions",
                        data,
                        false,
                        false));
    }

    /** Accesses by role and outcome. */
    String access(Figure f) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (List<Object> r : f.rows()) {
            String role = (String) r.get(0);
            String outcome = (String) r.get(4);
            Number before =
                    data.getRowIndex(outcome) >= 0 && data.getColumnIndex(role) >= 0
                            ? data.getValue(outcome, role)
                            : null;
            data.addValue(
                    num(r.get(5)) + (before == null ? 0 : before.doubleValue()), outcome, role);
        }
        return svg(
                bar(
                        "Reads of full records by role and outcome",
                        "role",
                        "accesses",
                        data,
                        false,
                        true));
    }

    static String binLabel(int b) {
        return String.format(Locale.ROOT, "%.1f–%.1f", b / 10.0, (b + 1) / 10.0);
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static double num(Object o) {
        return ((Number) o).doubleValue();
    }

    private static JFreeChart bar(
            String title,
            String categoryLabel,
            String valueLabel,
            DefaultCategoryDataset data,
            boolean horizontal,
            boolean stacked) {
        CategoryAxis x = new CategoryAxis(categoryLabel);
        NumberAxis y = new NumberAxis(valueLabel);
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        BarRenderer renderer =
                stacked
                        ? new org.jfree.chart.renderer.category.StackedBarRenderer()
                        : new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.02);
        CategoryPlot plot = new CategoryPlot(data, x, y, renderer);
        plot.setOrientation(horizontal ? PlotOrientation.HORIZONTAL : PlotOrientation.VERTICAL);
        if (!horizontal && data.getColumnCount() > 8) {
            x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        return styled(new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true));
    }

    private static JFreeChart line(
            String title, String categoryLabel, String valueLabel, DefaultCategoryDataset data) {
        CategoryAxis x = new CategoryAxis(categoryLabel);
        NumberAxis y = new NumberAxis(valueLabel);
        LineAndShapeRenderer renderer = new LineAndShapeRenderer(true, true);
        CategoryPlot plot = new CategoryPlot(data, x, y, renderer);
        if (data.getColumnCount() > 8) {
            x.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        }
        return styled(new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true));
    }

    private static JFreeChart styled(JFreeChart chart) {
        StandardChartTheme theme = (StandardChartTheme) StandardChartTheme.createJFreeTheme();
        theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        theme.setLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setPlotBackgroundPaint(new Color(0xf6f8fa));
        theme.setDomainGridlinePaint(new Color(0xd0d7de));
        theme.setRangeGridlinePaint(new Color(0xd0d7de));
        theme.apply(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        for (int i = 0; i < PALETTE.length; i++) {
            plot.getRenderer().setSeriesPaint(i, PALETTE[i]);
        }
        return chart;
    }

    private String svg(JFreeChart chart) {
        int n = ++charts;
        SVGGraphics2D g2 = new SVGGraphics2D(WIDTH, HEIGHT);
        // one HTML page holds every chart: their clip-path ids must not collide
        g2.setDefsKeyPrefix("chart" + n + "-");
        chart.draw(g2, new Rectangle(0, 0, WIDTH, HEIGHT));
        return g2.getSVGElement("chart-" + n);
    }
}
