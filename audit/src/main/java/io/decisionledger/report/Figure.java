package io.decisionledger.report;

import java.util.ArrayList;
import java.util.List;

/**
 * One figure of the compliance report: its id and title, the DuckDB SQL that recomputes it from the
 * lake (printed in the report's appendix), its columns and the rows the report computed with the
 * lake readers. A figure whose dataset the lake does not hold has no rows and says so.
 *
 * @param dataset the lake folder the figure reads first (e.g. {@code replays}), for the "not in
 *     this lake" note
 * @param present whether that folder holds any file
 */
public record Figure(
        String id,
        String title,
        String dataset,
        boolean present,
        String sql,
        List<String> columns,
        List<List<Object>> rows) {

    public Figure {
        columns = List.copyOf(columns);
        List<List<Object>> copy = new ArrayList<>();
        for (List<Object> r : rows) {
            if (r.size() != columns.size()) {
                throw new IllegalArgumentException(
                        id
                                + ": a row of "
                                + r.size()
                                + " values for "
                                + columns.size()
                                + " columns");
            }
            copy.add(java.util.Collections.unmodifiableList(new ArrayList<>(r)));
        }
        rows = List.copyOf(copy);
    }

    /** The value of {@code column} in row {@code row}. */
    public Object value(int row, String column) {
        int i = columns.indexOf(column);
        if (i < 0) {
            throw new IllegalArgumentException(id + " has no column " + column);
        }
        return rows.get(row).get(i);
    }
}
